using MinutePool.Core.Plans;
using MinutePool.Data.Accounts;
using MinutePool.Data.Plans;
using MinutePool.Web.Accounts;
using MinutePool.Web.Api.Infrastructure;

namespace MinutePool.Web.Api.Operator;

/// <summary>The platform operator's endpoints: the plan catalogue and new accounts.</summary>
public static class OperatorEndpoints
{
    public static void MapOperatorEndpoints(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("").AddEndpointFilter<OperatorFilter>().WithTags("Operator");

        group.MapPost("/plans", async (CreatePlanRequest request, PlanService plans, CancellationToken ct) =>
            {
                if (request.MinutesPerCycle is null)
                {
                    return ApiProblems.Validation("minutesPerCycle", "minutesPerCycle is required.");
                }

                if (request.Price is null)
                {
                    return ApiProblems.Validation("price", "price {amount, currency} is required.");
                }

                var plan = new Plan
                {
                    Code = request.Code ?? "",
                    Name = request.Name ?? "",
                    MinutesPerCycle = request.MinutesPerCycle.Value,
                    PriceAmount = request.Price.Amount,
                    Currency = request.Price.Currency ?? "",
                    BillingIncrementSeconds = request.BillingIncrementSeconds ?? Plan.DefaultBillingIncrementSeconds,
                    MinimumBillableSeconds = request.MinimumBillableSeconds ?? Plan.DefaultMinimumBillableSeconds,
                    ConcurrentCallLimit = request.ConcurrentCallLimit,
                };
                return (await plans.CreateAsync(plan, ct)).ToHttp(p => Results.Created($"/api/v1/plans/{p.Code}", PlanDto.From(p)));
            })
            .WithName("CreatePlan")
            .Produces<PlanDto>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status409Conflict);

        group.MapGet("/plans", async (PlanService plans, CancellationToken ct) =>
                Results.Ok((await plans.ListAsync(ct)).Select(PlanDto.From)))
            .WithName("ListPlans")
            .Produces<IEnumerable<PlanDto>>();

        group.MapPost("/accounts", async (CreateAccountRequest request, AccountProvisioning provisioning, CancellationToken ct) =>
            {
                var command = new CreateAccountCommand(request.Name ?? "", request.PlanCode ?? "", request.TimeZone ?? "", request.BillingDay);
                var created = await provisioning.CreateAsync(command, request.Owner?.Email, request.Owner?.Password, OperatorFilter.Actor, ct);
                return created.ToHttp(a => Results.Created(
                    "/api/v1/account",
                    new CreatedAccountDto(a.Account.Id, a.Account.Name, a.PlanCode, a.Account.TimeZoneId, a.Account.BillingDay, a.ApiKey)));
            })
            .WithName("CreateAccount")
            .Produces<CreatedAccountDto>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status400BadRequest);
    }
}
