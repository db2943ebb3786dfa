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
            .WithName("EndCall")
            .Produces<EndedCallDto>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        calls.MapGet("", async (string? workspaceId, string? from, string? to, string? cursor, int? limit, CallQueries queries, CancellationToken ct) =>
            {
                var workspace = QueryValues.Id(workspaceId, "workspaceId");
                var start = QueryValues.Instant(from, "from");
                var end = QueryValues.Instant(to, "to");
                if ((workspace.Error ?? start.Error ?? end.Error) is { } invalid)
                {
                    return ApiProblems.Result(invalid);
                }

                var page = await queries.ListAsync(new CallFilter(workspace.Value, start.Value, end.Value, cursor, limit ?? CallQueries.DefaultPageSize), ct);
                return page.ToHttp(p => Results.Ok(new CallPageDto(p.Items.Select(CallDto.From).ToList(), p.NextCursor)));
            })
            .WithName("ListCalls")
            .Produces<CallPageDto>()
            .ProducesProblem(StatusCodes.Status400BadRequest);

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
