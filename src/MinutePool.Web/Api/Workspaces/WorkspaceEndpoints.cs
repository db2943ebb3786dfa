using System.Text.Json;
using MinutePool.Core.Billing;
using MinutePool.Core.Common;
using MinutePool.Data.Workspaces;
using MinutePool.Web.Api.Infrastructure;

namespace MinutePool.Web.Api.Workspaces;

/// <summary>Workspaces (sub-accounts) of the key's account.</summary>
public static class WorkspaceEndpoints
{
    public static void MapWorkspaceEndpoints(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/workspaces").WithTags("Workspaces");

        group.MapPost("", async (CreateWorkspaceRequest request, WorkspaceService workspaces, HttpContext http, CancellationToken ct) =>
            {
                var command = new CreateWorkspaceCommand(request.Name ?? "", request.Kind, request.AllocationMinutes, request.ResetDay,
                    request.ConcurrentCallLimit is { } limit ? Optional<int?>.Of(limit) : Optional<int?>.Unset);
                var created = await workspaces.CreateAsync(command, ApiKeyFilter.Actor(http), ct);
                if (!created.IsSuccess)
                {
                    return ApiProblems.Result(created.Error);
                }

                var view = (await workspaces.GetAsync(created.Value.Workspace.Id, ct))!;
                return Results.Created($"/api/v1/workspaces/{view.Workspace.Id}", CreatedWorkspaceDto.From(view, created.Value.Passcode));
            })
            .WithName("CreateWorkspace")
            .Produces<CreatedWorkspaceDto>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        group.MapGet("", async (bool? includeArchived, WorkspaceService workspaces, CancellationToken ct) =>
                Results.Ok((await workspaces.ListAsync(includeArchived ?? false, ct)).Select(WorkspaceDto.From)))
            .WithName("ListWorkspaces")
            .Produces<IEnumerable<WorkspaceDto>>();

        group.MapGet("/{id:guid}", async (Guid id, WorkspaceService workspaces, CancellationToken ct) =>
                await workspaces.GetAsync(id, ct) is { } view ? Results.Ok(WorkspaceDto.From(view)) : NotFound())
            .WithName("GetWorkspace")
            .Produces<WorkspaceDto>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPatch("/{id:guid}", async (Guid id, JsonElement body, WorkspaceService workspaces, HttpContext http, CancellationToken ct) =>
            {
                var patch = WorkspacePatchReader.Read(body);
                if (!patch.IsSuccess)
                {
                    return ApiProblems.Result(patch.Error);
                }

                var updated = await workspaces.UpdateAsync(id, patch.Value, ApiKeyFilter.Actor(http), ct);
                return updated.IsSuccess ? Results.Ok(WorkspaceDto.From((await workspaces.GetAsync(id, ct))!)) : ApiProblems.Result(updated.Error);
            })
            .WithName("UpdateWorkspace")
            .Accepts<CreateWorkspaceRequest>("application/json")
            .Produces<WorkspaceDto>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        group.MapPost("/{id:guid}/archive", async (Guid id, WorkspaceService workspaces, HttpContext http, CancellationToken ct) =>
            {
                var archived = await workspaces.ArchiveAsync(id, ApiKeyFilter.Actor(http), ct);
                return archived.IsSuccess ? Results.Ok(WorkspaceDto.From((await workspaces.GetAsync(id, ct))!)) : ApiProblems.Result(archived.Error);
            })
            .WithName("ArchiveWorkspace")
            .Produces<WorkspaceDto>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPost("/{id:guid}/passcode", async (Guid id, WorkspaceService workspaces, HttpContext http, CancellationToken ct) =>
                (await workspaces.RotatePasscodeAsync(id, ApiKeyFilter.Actor(http), ct)).ToHttp(c => Results.Ok(new CredentialsDto(c.UserId, c.Passcode))))
            .WithName("RotatePasscode")
            .Produces<CredentialsDto>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapGet("/{id:guid}/balance", async (Guid id, string? at, WorkspaceService workspaces, TimeProvider clock, CancellationToken ct) =>
            {
                var instant = QueryValues.Instant(at, "at");
                if (!instant.IsSuccess)
                {
                    return ApiProblems.Result(instant.Error);
                }

                var when = instant.Value ?? clock.GetUtcNow();
                var scopes = await workspaces.BalanceAsync(id, when, ct);
                return scopes is null
                    ? NotFound()
                    : Results.Ok(new BalanceDto(id, when.ToUniversalTime(), scopes.Select(ScopeBalanceDto.From).ToList(), BalanceRules.Remaining(scopes)));
            })
            .WithMetadata(new ApiKeyFilter.PreloadsAccountState(c => c.GetArgument<Guid>(0)))
            .WithName("GetWorkspaceBalance")
            .Produces<BalanceDto>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static IResult NotFound() => ApiProblems.Result(DomainError.NotFound("The workspace"));
}
