using Microsoft.EntityFrameworkCore;
using MinutePool.Core.Billing;
using MinutePool.Core.Calls;
using MinutePool.Core.Common;
using MinutePool.Core.Workspaces;
using MinutePool.Data.Accounts;
using MinutePool.Data.Billing;
using MinutePool.Data.Infrastructure;
using MinutePool.Data.Tenancy;
using MinutePool.Data.Workspaces;

namespace MinutePool.Data.Calls;

/// <summary>
/// Records calls for the current tenant and charges them exactly once: the call row (keyed by the
/// caller's call id) and its usage bucket change in one transaction, and a call is charged only by the
/// statement that moves it from active to ended. On PostgreSQL, a start's insert and an end's charge outside a
/// transaction go through <see cref="CallWriteBatches"/> (group commit) when the app registered it.
/// </summary>
public sealed class CallLedger(MinutePoolDbContext db, TimeProvider clock, CallWriteBatches? batches = null, CommitWait? commitWait = null)
{
    public const int MaxImportBatch = 1_000;

    public async Task<Result<StartedCall>> StartAsync(StartCallCommand command, CancellationToken cancellationToken = default)
    {
        if ((CallRules.CheckCallId(command.CallId) ?? CallRules.CheckProjectTag(command.ProjectTag)) is { } invalid)
        {
            return invalid;
        }

        var now = clock.GetUtcNow();
        var startedAt = (command.StartedAt ?? now).ToUniversalTime();
        if (CallRules.CheckStart(startedAt, now) is { } badTime)
        {
            return badTime;
        }

        var resolved = await ResolveWorkspaceAsync(command, now, cancellationToken);
        if (!resolved.IsSuccess)
        {
            return resolved.Error;
        }

        // A repeated start answers as the first one did. A new call id is the common case, so the repeat is
        // looked for only where it changes the answer: when this start would be refused, or when the insert
        // finds the id taken (one round trip less per start, measured by the benchmark).
        var workspace = resolved.Value;
        var callId = command.CallId!;
        var state = await AccountStateReader.LoadAsync(db, cancellationToken);
        if (state is null)
        {
            return DomainError.NotFound("The account");
        }

        if (db.Tenant.CheckAtWrite is { } check)
        {
            return await StartRecalledAsync(NewCall(workspace, state, callId, startedAt, command.ProjectTag, now), workspace, state, check, cancellationToken);
        }

        var balances = await BalanceReader.ForWorkspaceAsync(db, state, workspace, startedAt, cancellationToken);
        var allowed = CallStartPolicy.CheckBalances(workspace, balances);
        if (!allowed.IsSuccess)
        {
            return await FindStartedAsync(callId, cancellationToken) is { } repeat ? repeat : allowed.Error;
        }

        var call = NewCall(workspace, state, callId, startedAt, command.ProjectTag, now);
        call.MaxUsageSeconds = Math.Max(0, allowed.Value);
        return workspace.ConcurrentCallLimit is null
            ? await InsertAsync(call, cancellationToken)
            : await InsertWithinLimitAsync(call, workspace, cancellationToken);
    }

    private static Call NewCall(Workspace workspace, AccountState state, string callId, DateTimeOffset startedAt, string? projectTag, DateTimeOffset now) => new()
    {
        AccountId = workspace.AccountId,
        CallId = callId,
        WorkspaceId = workspace.Id,
        StartedAt = startedAt,
        LocalDate = state.Account.CycleCalendar.LocalDateOf(startedAt),
        ProjectTag = projectTag,
        Source = CallSource.Live,
        RecordedAt = now,
    };

    /// <summary>
    /// A start whose API key, account state and workspace the API key filter recalled from this process's memory
    /// (<see cref="MinutePool.Data.Tenancy.TenantContext.CheckAtWrite"/>): one statement sums the workspace's balance,
    /// checks what was recalled and inserts only while every scope has time left, storing the least as
    /// <c>maxUsageSeconds</c>. The answer is then computed by the balance rules from the sums that statement took, and
    /// must agree with what it stored. When it inserted nothing (something recalled changed, no time is left, the call id
    /// was taken), the answer stays unconfirmed: the filter throws it away and handles the request again from what the
    /// database holds, which refuses the start or answers the repeat as usual.
    /// </summary>
    private async Task<Result<StartedCall>> StartRecalledAsync(Call call, Workspace workspace, AccountState state, WriteTimeCheck check, CancellationToken cancellationToken)
    {
        if (!db.IsPostgres)
        {
            throw new InvalidOperationException("A call start recalled from memory must be written by the statement that checks it (PostgreSQL's).");
        }

        var scopes = BalanceRules.ScopesFor(state, workspace, call.StartedAt);
        var dates = BalanceSumDates.Of(scopes, workspace.Id)
            ?? throw new InvalidOperationException("A workspace's scopes are one pool, an allocation and the account, or the unallocated pool and the account.");
        var start = new CallWriteBatches.CallStart(call, new CallWriteBatches.StartCheck(
            check, workspace.ResetDay, workspace.AllocationMinutes, dates,
            scopes.SingleOrDefault(s => s.Usage != UsageSelector.Account)?.TotalSeconds, scopes.Single(s => s.Usage == UsageSelector.Account).TotalSeconds));

        var written = await InsertStartOnPostgresAsync(start, cancellationToken);
        if (!written.Inserted)
        {
            return new DomainError(ErrorCodes.Duplicate, "A recalled start that did not hold; never answered (the API key filter handles the request again).");
        }

        var balances = BalanceSumDates.Balances(scopes, new PreloadedBalanceSums(workspace.Id, dates, written.OwnSeconds, written.AccountSeconds));
        var allowed = CallStartPolicy.CheckBalances(workspace, balances);
        if (!allowed.IsSuccess || Math.Max(0, allowed.Value) != written.MaxUsageSeconds)
        {
            throw new InvalidOperationException($"The start statement stored maxUsageSeconds {written.MaxUsageSeconds} where the balance rules give {(allowed.IsSuccess ? allowed.Value : allowed.Error.Code)}.");
        }

        check.Confirm();
        call.MaxUsageSeconds = written.MaxUsageSeconds;
        CallsStartedHere.Remember(call);
        return Started(call);
    }

    private async Task<CallWriteBatches.StartWritten> InsertStartOnPostgresAsync(CallWriteBatches.CallStart start, CancellationToken cancellationToken)
    {
        if (Batched is { } grouped)
        {
            return await QueuedAsync(grouped.Starts.WriteAsync(start));
        }

        // Group commit off: the batch statement for this one start, on the request's own connection (as an end's).
        return (await OnRequestConnectionAsync(connection => CallWriteBatches.InsertStartsAsync(connection, [start]), cancellationToken))[0];
    }

    private async Task<T> OnRequestConnectionAsync<T>(Func<Npgsql.NpgsqlConnection, Task<T>> write, CancellationToken cancellationToken)
    {
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            return await write((Npgsql.NpgsqlConnection)db.Database.GetDbConnection());
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    public async Task<DomainError?> HeartbeatAsync(string callId, CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        var touched = await db.Calls
            .Where(c => c.CallId == callId && c.EndedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.LastHeartbeatAt, now), cancellationToken);
        if (touched == 0 && !await db.Calls.AnyAsync(c => c.CallId == callId, cancellationToken))
        {
            return CallNotFound(callId);
        }

        return null;
    }

    public async Task<Result<EndedCall>> EndAsync(string callId, DateTimeOffset? endedAt, CancellationToken cancellationToken = default)
    {
        var call = db.Tenant.TakePreloadedCall(callId) ?? await CallById.For(db)(db, callId, cancellationToken);
        if (call is null)
        {
            return CallNotFound(callId);
        }

        if (call.EndedAt is not null)
        {
            return Ended(call);
        }

        var now = clock.GetUtcNow();
        var end = (endedAt ?? now).ToUniversalTime();
        if (CallRules.CheckEnd(call.StartedAt, end, now) is { } badTime)
        {
            return badTime;
        }

        var state = await AccountStateReader.LoadAsync(db, cancellationToken);
        var plan = state!.Plans.PlanFor(state.CycleAt(call.StartedAt));
        var charge = CallCharging.Charge(call.StartedAt, end, plan);

        if (await EndAndChargeAsync(call, end, charge, cancellationToken))
        {
            return new EndedCall(call.CallId, call.WorkspaceId, call.StartedAt, end, charge.DurationSeconds, charge.BillableSeconds);
        }

        // Another request ended it first: answer what that one recorded. (Or it is gone, or, with a check at write, what
        // this request recalled no longer held: then the API key filter discards this answer and handles the request again.)
        var first = await CallById.For(db)(db, callId, cancellationToken);
        return first?.EndedAt is null ? CallNotFound(callId) : Ended(first);
    }

    /// <summary>
    /// Moves the call from active to ended and adds its seconds to its bucket, atomically; false when another
    /// request ended it first (then nothing is charged here).
    /// </summary>
    private async Task<bool> EndAndChargeAsync(Call call, DateTimeOffset end, CallCharge charge, CancellationToken cancellationToken)
    {
        if (db.IsPostgres)
        {
            var check = db.Tenant.CheckAtWrite;
            var row = new CallWriteBatches.CallEnd(call.AccountId, call.CallId, end, charge.DurationSeconds, charge.BillableSeconds, call.StartedAt, check);
            var charged = await ChargeOnPostgresAsync(row, cancellationToken);
            if (charged)
            {
                check?.Confirm();
                CallsStartedHere.Forget(call.AccountId, call.CallId);
            }

            return charged;
        }

        // Only PostgreSQL's statement checks what was recalled (CallsStartedHere remembers nothing on other providers).
        if (db.Tenant.CheckAtWrite is not null)
        {
            throw new InvalidOperationException("A call end recalled from memory must be written by the statement that checks it.");
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var ended = await db.Calls
            .Where(c => c.CallId == call.CallId && c.EndedAt == null)
            .ExecuteUpdateAsync(
                s => s.SetProperty(c => c.EndedAt, end)
                    .SetProperty(c => c.DurationSeconds, charge.DurationSeconds)
                    .SetProperty(c => c.BillableSeconds, charge.BillableSeconds),
                cancellationToken);
        if (ended != 1)
        {
            return false;
        }

        await UsageWriter.AddAsync(db, call.AccountId, call.WorkspaceId, call.LocalDate, call.CallId, charge.BillableSeconds, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>
    /// Imports finished calls in one transaction. Each record is checked on its own and rejected with a
    /// code; a call id seen before (in the database or earlier in the batch) counts as a duplicate and
    /// is charged nothing.
    /// </summary>
    public async Task<Result<ImportResult>> ImportAsync(IReadOnlyList<ImportRecord> records, CancellationToken cancellationToken = default)
    {
        if (records.Count > MaxImportBatch)
        {
            return new DomainError(ErrorCodes.PayloadTooLarge, $"A batch holds at most {MaxImportBatch:N0} records.", "records");
        }

        var state = await AccountStateReader.LoadAsync(db, cancellationToken);
        if (state is null)
        {
            return DomainError.NotFound("The account");
        }

        var now = clock.GetUtcNow();
        var workspaceIds = records.Where(r => r.WorkspaceId is not null).Select(r => r.WorkspaceId!.Value).Distinct().ToList();
        var workspaces = await db.Workspaces.AsNoTracking().Where(w => workspaceIds.Contains(w.Id)).ToDictionaryAsync(w => w.Id, cancellationToken);

        var rejected = new List<ImportRejection>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var duplicates = 0;
        var calls = new List<Call>(records.Count);
        for (var index = 0; index < records.Count; index++)
        {
            var record = records[index];
            var error = CheckRecord(record, workspaces, now);
            if (error is not null)
            {
                rejected.Add(new ImportRejection(index, error.Code, error.Message));
                continue;
            }

            if (!seen.Add(record.CallId!))
            {
                duplicates++;
                continue;
            }

            var (startedAt, endedAt) = (record.StartedAt!.Value.ToUniversalTime(), record.EndedAt!.Value.ToUniversalTime());
            var plan = state.Plans.PlanFor(state.CycleAt(startedAt));
            var charge = CallCharging.Charge(startedAt, endedAt, plan);
            calls.Add(new Call
            {
                AccountId = state.Account.Id,
                CallId = record.CallId!,
                WorkspaceId = record.WorkspaceId!.Value,
                StartedAt = startedAt,
                LocalDate = state.Account.CycleCalendar.LocalDateOf(startedAt),
                EndedAt = endedAt,
                DurationSeconds = charge.DurationSeconds,
                BillableSeconds = charge.BillableSeconds,
                ProjectTag = record.ProjectTag,
                Source = CallSource.Imported,
                RecordedAt = now,
            });
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var ordered = calls.OrderBy(c => c.CallId, StringComparer.Ordinal).ToList();
        var inserted = db.IsPostgres ? await InsertNewAsync(ordered, cancellationToken) : await InsertNewOneByOneAsync(ordered, cancellationToken);
        var deltas = new Dictionary<UsageWriter.BucketKey, (long Seconds, long Calls)>();
        foreach (var call in ordered.Where(c => inserted.Contains(c.CallId)))
        {
            var key = new UsageWriter.BucketKey(call.WorkspaceId, call.LocalDate, UsageBucket.SlotFor(call.CallId));
            var (seconds, count) = deltas.GetValueOrDefault(key);
            deltas[key] = (seconds + call.BillableSeconds!.Value, count + 1);
        }

        await UsageWriter.AddAsync(db, state.Account.Id, deltas, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new ImportResult(inserted.Count, duplicates + ordered.Count - inserted.Count, rejected);
    }

    /// <summary>
    /// PostgreSQL: the whole batch in one statement (arrays unnested, in call-id order so concurrent importers of
    /// the same ids wait for each other instead of deadlocking); answers the ids that were new. The benchmark
    /// measured one INSERT per record as the batch import's cost.
    /// </summary>
    private async Task<HashSet<string>> InsertNewAsync(IReadOnlyList<Call> calls, CancellationToken cancellationToken)
    {
        if (calls.Count == 0)
        {
            return [];
        }

        var ids = await db.Database.SqlQueryRaw<string>(
                """
                INSERT INTO calls (account_id, call_id, workspace_id, started_at, local_date, ended_at, duration_seconds,
                                   billable_seconds, project_tag, max_usage_seconds, source, recorded_at)
                SELECT @account, t.call_id, t.workspace_id, t.started_at, t.local_date, t.ended_at, t.duration_seconds,
                       t.billable_seconds, t.project_tag, 0, @source, @recorded
                FROM unnest(@call_ids, @workspace_ids, @started, @dates, @ended, @durations, @billable, @tags)
                     AS t(call_id, workspace_id, started_at, local_date, ended_at, duration_seconds, billable_seconds, project_tag)
                ORDER BY t.call_id
                ON CONFLICT (account_id, call_id) DO NOTHING
                RETURNING call_id AS "Value"
                """,
                new Npgsql.NpgsqlParameter("account", calls[0].AccountId),
                new Npgsql.NpgsqlParameter("source", CallSource.Imported.ToString()),
                new Npgsql.NpgsqlParameter("recorded", calls[0].RecordedAt.UtcDateTime),
                new Npgsql.NpgsqlParameter("call_ids", calls.Select(c => c.CallId).ToArray()),
                new Npgsql.NpgsqlParameter("workspace_ids", calls.Select(c => c.WorkspaceId).ToArray()),
                new Npgsql.NpgsqlParameter("started", calls.Select(c => c.StartedAt.UtcDateTime).ToArray()),
                new Npgsql.NpgsqlParameter("dates", calls.Select(c => c.LocalDate).ToArray()),
                new Npgsql.NpgsqlParameter("ended", calls.Select(c => c.EndedAt!.Value.UtcDateTime).ToArray()),
                new Npgsql.NpgsqlParameter("durations", calls.Select(c => c.DurationSeconds!.Value).ToArray()),
                new Npgsql.NpgsqlParameter("billable", calls.Select(c => c.BillableSeconds!.Value).ToArray()),
                new Npgsql.NpgsqlParameter("tags", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text) { Value = calls.Select(c => c.ProjectTag).ToArray() })
            .ToListAsync(cancellationToken);
        return ids.ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>SQLite (one writer at a time anyway): one conditional insert per call.</summary>
    private async Task<HashSet<string>> InsertNewOneByOneAsync(IReadOnlyList<Call> calls, CancellationToken cancellationToken)
    {
        var inserted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var call in calls)
        {
            if (await InsertIfNewAsync(call, cancellationToken))
            {
                inserted.Add(call.CallId);
            }
        }

        return inserted;
    }

    private static DomainError? CheckRecord(ImportRecord record, Dictionary<Guid, Workspace> workspaces, DateTimeOffset now)
    {
        if ((CallRules.CheckCallId(record.CallId) ?? CallRules.CheckProjectTag(record.ProjectTag)) is { } invalid)
        {
            return invalid;
        }

        if (record.WorkspaceId is not { } workspaceId || !workspaces.TryGetValue(workspaceId, out var workspace))
        {
            return new DomainError(ErrorCodes.NotFound, "Unknown workspaceId.", "workspaceId");
        }

        if (record.StartedAt is not { } start || record.EndedAt is not { } end)
        {
            return DomainError.Validation(record.StartedAt is null ? "startedAt" : "endedAt", "A finished call needs startedAt and endedAt.");
        }

        if (workspace.ArchivedAt is { } archivedAt && start >= archivedAt)
        {
            return new DomainError(ErrorCodes.WorkspaceArchived, "The workspace was archived before this call started.", "workspaceId");
        }

        return CallRules.CheckStart(start, now) ?? CallRules.CheckEnd(start, end, now);
    }

    /// <summary>
    /// Inserts a call (started or finished) unless its id exists; concurrent writers of one id wait for each other.
    /// Plain SQL rather than SaveChanges: no change tracking, and a duplicate is a no-op instead of an exception.
    /// </summary>
    private async Task<bool> InsertIfNewAsync(Call call, CancellationToken cancellationToken)
    {
        if (Batched is { } grouped)
        {
            return (await QueuedAsync(grouped.Starts.WriteAsync(new CallWriteBatches.CallStart(call)))).Inserted;
        }

        var inserted = await db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO calls (account_id, call_id, workspace_id, started_at, local_date, ended_at, duration_seconds,
                               billable_seconds, project_tag, max_usage_seconds, source, recorded_at)
            VALUES ({call.AccountId}, {call.CallId}, {call.WorkspaceId}, {call.StartedAt.UtcDateTime}, {call.LocalDate},
                    {call.EndedAt?.UtcDateTime}, {call.DurationSeconds}, {call.BillableSeconds}, {call.ProjectTag},
                    {call.MaxUsageSeconds}, {call.Source.ToString()}, {call.RecordedAt.UtcDateTime})
            ON CONFLICT (account_id, call_id) DO NOTHING
            """,
            cancellationToken);
        return inserted == 1;
    }

    private async Task<bool> ChargeOnPostgresAsync(CallWriteBatches.CallEnd row, CancellationToken cancellationToken)
    {
        if (Batched is { } grouped)
        {
            return await QueuedAsync(grouped.Ends.WriteAsync(row));
        }

        // Group commit off: the batch statement for this one call, on the request's own connection (one statement,
        // so no transaction round trips; the benchmark counted BEGIN/COMMIT as a quarter of an end).
        return (await OnRequestConnectionAsync(connection => CallWriteBatches.ChargeEndsAsync(connection, [row]), cancellationToken))[0];
    }

    /// <summary>A write handed to a group commit: while it waits for its batch, the request holds nothing it only needs to run (<see cref="CommitWait"/>).</summary>
    private Task<T> QueuedAsync<T>(Task<T> queued)
    {
        commitWait?.Waiting();
        return queued;
    }

    /// <summary>The group commit, unless the write belongs to a transaction of this request (a batch commits on its own).</summary>
    private CallWriteBatches? Batched => db.Database.CurrentTransaction is null && db.IsPostgres ? batches : null;

    /// <summary>Records a started call; when the same call id was started concurrently, answers as that first start did.</summary>
    private async Task<StartedCall> InsertAsync(Call call, CancellationToken cancellationToken)
    {
        if (await InsertIfNewAsync(call, cancellationToken))
        {
            if (db.IsPostgres)
            {
                CallsStartedHere.Remember(call);
            }

            return Started(call);
        }

        return await FindStartedAsync(call.CallId, cancellationToken) ?? throw new InvalidOperationException("A duplicate call vanished.");
    }

    /// <summary>Serialises starts on the workspace row so that no more than its limit can be active.</summary>
    private async Task<Result<StartedCall>> InsertWithinLimitAsync(Call call, Workspace workspace, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.Workspaces.Where(w => w.Id == workspace.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(w => w.Version, w => w.Version + 1), cancellationToken);
        if (await FindStartedAsync(call.CallId, cancellationToken) is { } repeat)
        {
            return repeat;
        }

        var active = await db.Calls.Running().CountAsync(c => c.WorkspaceId == workspace.Id, cancellationToken);
        if (CallStartPolicy.CheckConcurrency(workspace, active) is { } refused)
        {
            return refused;
        }

        var started = await InsertAsync(call, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return started;
    }

    private async Task<Result<Workspace>> ResolveWorkspaceAsync(StartCallCommand command, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (command.WorkspaceId is { } workspaceId)
        {
            var workspace = await WorkspaceLookup.ByIdAsync(db, workspaceId, cancellationToken);
            return workspace is null ? DomainError.NotFound("The workspace") : workspace;
        }

        if (command.UserId is null || command.Passcode is null)
        {
            return DomainError.Validation("workspaceId", "Give a workspaceId, or a userId with its passcode.");
        }

        return await AuthenticateAsync(command.UserId, command.Passcode, now, cancellationToken);
    }

    /// <summary>User ID + passcode, with lockout after repeated failures. Unknown and foreign user IDs fail like a wrong passcode.</summary>
    private async Task<Result<Workspace>> AuthenticateAsync(string userId, string passcode, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var invalid = new DomainError(ErrorCodes.InvalidPasscode, "The user ID or passcode is wrong.", "passcode");
        if (!SubAccountCredentials.IsWellFormedUserId(userId))
        {
            return invalid;
        }

        // Only this account's user IDs are looked at, and only they count failures: another tenant
        // cannot lock someone else's bridge by guessing at its user ID.
        var workspace = await db.UserIdDirectory.AsNoTracking()
            .Where(e => e.UserId == userId && e.AccountId == db.CurrentAccountId)
            .Join(db.Workspaces.AsNoTracking(), e => e.WorkspaceId, w => w.Id, (e, w) => w)
            .SingleOrDefaultAsync(cancellationToken);
        if (workspace is null)
        {
            return invalid;
        }

        var lockout = await db.PasscodeLockouts.SingleOrDefaultAsync(l => l.UserId == userId, cancellationToken);
        if (lockout is not null && lockout.IsLocked(now))
        {
            return new DomainError(ErrorCodes.PasscodeLocked, "Too many wrong passcodes: this user ID is locked for a while.")
                .With("lockedUntil", lockout.LockedUntil);
        }

        var ok = SubAccountCredentials.IsWellFormedPasscode(passcode) && PasscodeHasher.Verify(passcode, workspace.PasscodeHash);
        if (ok && lockout is null)
        {
            return workspace;
        }

        if (lockout is null)
        {
            lockout = new PasscodeLockout { UserId = userId };
            db.PasscodeLockouts.Add(lockout);
        }

        if (ok)
        {
            lockout.RegisterSuccess();
        }
        else
        {
            lockout.RegisterFailure(now);
        }

        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (DatabaseOptions.IsUniqueViolation(e))
        {
            // A concurrent failure created the row first; this attempt's outcome stands, its count is lost.
            db.ChangeTracker.Clear();
        }

        return ok ? workspace : lockout.IsLocked(now)
            ? new DomainError(ErrorCodes.PasscodeLocked, "Too many wrong passcodes: this user ID is locked for a while.").With("lockedUntil", lockout.LockedUntil)
            : invalid;
    }

    /// <summary>A repeated start answers as the first one did, whichever workspace the repeat names.</summary>
    private async Task<StartedCall?> FindStartedAsync(string callId, CancellationToken cancellationToken)
    {
        var call = await CallById.For(db)(db, callId, cancellationToken);
        return call is null ? null : Started(call);
    }

    // Compiled (see CompiledPerModel for why): every start and end looks its call up by id.
    private static readonly CompiledPerModel<Func<MinutePoolDbContext, string, CancellationToken, Task<Call?>>> CallById = new(() => EF.CompileAsyncQuery(
        (MinutePoolDbContext db, string callId, CancellationToken _) => db.Calls.AsNoTracking().SingleOrDefault(c => c.CallId == callId)));

    private static StartedCall Started(Call call) => new(call.CallId, call.WorkspaceId, call.StartedAt, call.MaxUsageSeconds);

    private static EndedCall Ended(Call call) =>
        new(call.CallId, call.WorkspaceId, call.StartedAt, call.EndedAt!.Value, call.DurationSeconds!.Value, call.BillableSeconds!.Value);

    private static DomainError CallNotFound(string callId) => new(ErrorCodes.CallNotFound, $"No call '{callId}' in this account.", "callId");
}
