using MinutePool.Core.Accounts;
using MinutePool.Data.Accounts;
using MinutePool.Web.Api.Infrastructure;

namespace MinutePool.Web.Api.Accounts;

/// <summary>The API key's own account: summary, distribution switch, plan changes.</summary>
public static class AccountEndpoints
{
    public static void MapAccountEndpoints(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/account").WithTags("Account");

        group.MapGet("", async (AccountService accounts, CancellationToken ct) =>
                await accounts.SummaryAsync(ct) is { } summary ? Results.Ok(AccountDto.From(summary)) : NotFound())
            .WithName("GetAccount")
            .Produces<AccountDto>();

        group.MapPut("/distribution", async (DistributionRequest request, AccountService accounts, HttpContext http, CancellationToken ct) =>
                request.Enabled is not { } enabled
                    ? ApiProblems.Validation("enabled", "enabled (true or false) is required.")
                    : (await accounts.SetDistributionAsync(enabled, ApiKeyFilter.Actor(http), ct)).ToHttp(s => Results.Ok(AccountDto.From(s))))
            .WithName("SetDistribution")
            .Produces<AccountDto>()
            .ProducesProblem(StatusCodes.Status400BadRequest);

        group.MapPost("/plan-change", async (PlanChangeRequest request, AccountService accounts, HttpContext http, CancellationToken ct) =>
                string.IsNullOrWhiteSpace(request.PlanCode)
                    ? ApiProblems.Validation("planCode", "planCode is required.")
                    : (await accounts.ChangePlanAsync(request.PlanCode, ApiKeyFilter.Actor(http), ct)).ToHttp(d => Results.Ok(new PlanChangeDto(
                        d.Plan.Code, d.Timing == PlanChangeTiming.Immediate ? "immediate" : "next_cycle", d.EffectiveAt))))
            .WithName("ChangePlan")
            .Produces<PlanChangeDto>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
    }

    private static IResult NotFound() => ApiProblems.Result(MinutePool.Core.Common.DomainError.NotFound("The account"));
}
