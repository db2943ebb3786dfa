using MinutePool.Data.Calls;
using MinutePool.Web.Api.Infrastructure;

namespace MinutePool.Web.Api.Calls;

/// <summary>What the telephony system calls: may this call start, it ended, here are finished calls.</summary>
public static class CallEndpoints
{
    public static void MapCallEndpoints(this RouteGroupBuilder api)
    {
        var calls = api.MapGroup("/calls").WithTags("Calls");

        calls.MapPost("", async (StartCallRequest request, CallLedger ledger, CancellationToken ct) =>
                (await ledger.StartAsync(new StartCallCommand(request.CallId, request.WorkspaceId, request.UserId, request.Passcode, request.StartedAt, request.ProjectTag), ct))
                    .ToHttp(c => Results.Created($"/api/v1/calls/{Uri.EscapeDataString(c.CallId)}", StartedCallDto.From(c))))
            .WithMetadata(new ApiKeyFilter.PreloadsAccountState(c => c.Arguments.OfType<StartCallRequest>().FirstOrDefault()?.WorkspaceId, WritesCall: true))
            .WithName("StartCall")
            .WithSummary("May this call start? Records it as active when it may.")
            .Produces<StartedCallDto>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

        calls.MapPost("/{callId}/heartbeat", async (string callId, CallLedger ledger, CancellationToken ct) =>
                await ledger.HeartbeatAsync(callId, ct) is { } error ? ApiProblems.Result(error) : Results.NoContent())
            .WithName("HeartbeatCall")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status404NotFound);

        calls.MapPost("/{callId}/end", async (string callId, EndCallRequest? request, CallLedger ledger, CancellationToken ct) =>
                (await ledger.EndAsync(callId, request?.EndedAt, ct)).ToHttp(c => Results.Ok(EndedCallDto.From(c))))
            .WithMetadata(new ApiKeyFilter.PreloadsAccountState(CallOf: c => c.GetArgument<string>(0), WritesCall: true))
            .WithName("EndCall")
            .Produces<EndedCallDto>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        calls.MapGet("", async (
                string? workspaceId, string? from, string? to, string? cursor, int? limit,
                string? projectTag, string? userId, string? minBillableSeconds, string? maxBillableSeconds,
                CallQueries queries, CancellationToken ct) =>
            {
                var workspace = QueryValues.Id(workspaceId, "workspaceId");
                var start = QueryValues.Instant(from, "from");
                var end = QueryValues.Instant(to, "to");
                var least = QueryValues.WholeNumber(minBillableSeconds, "minBillableSeconds");
                var most = QueryValues.WholeNumber(maxBillableSeconds, "maxBillableSeconds");
                if ((workspace.Error ?? start.Error ?? end.Error ?? least.Error ?? most.Error) is { } invalid)
                {
                    return ApiProblems.Result(invalid);
                }

                // An empty projectTag= or userId= means "not given", as for the other optional parameters.
                var filter = new CallFilter(workspace.Value, start.Value, end.Value, cursor, limit ?? CallQueries.DefaultPageSize,
                    ProjectTag: string.IsNullOrEmpty(projectTag) ? null : projectTag,
                    UserId: string.IsNullOrWhiteSpace(userId) ? null : userId.Trim(),
                    MinBillableSeconds: least.Value,
                    MaxBillableSeconds: most.Value);
                var page = await queries.ListAsync(filter, ct);
                return page.ToHttp(p => Results.Ok(new CallPageDto(p.Items.Select(CallDto.From).ToList(), p.NextCursor)));
            })
            .WithName("ListCalls")
            .WithSummary("Calls in start order, a page at a time; optionally one workspace, user ID, project tag, time range or billable-seconds range.")
            .Produces<CallPageDto>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        api.MapPost("/usage-records", async (UsageRecordsRequest request, CallLedger ledger, CancellationToken ct) =>
            {
                if (request.Records is null)
                {
                    return ApiProblems.Validation("records", "records (an array of finished calls) is required.");
                }

                var records = request.Records.Select(r => new ImportRecord(r?.CallId, r?.WorkspaceId, r?.StartedAt, r?.EndedAt, r?.ProjectTag)).ToList();
                return (await ledger.ImportAsync(records, ct)).ToHttp(r => Results.Ok(new UsageRecordsResultDto(
                    r.Accepted, r.Duplicates, r.Rejected.Select(x => new RejectedRecordDto(x.Index, x.Code, x.Message)).ToList())));
            })
            .WithName("ImportUsageRecords")
            .WithTags("Calls")
            .Produces<UsageRecordsResultDto>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge);
    }
}
