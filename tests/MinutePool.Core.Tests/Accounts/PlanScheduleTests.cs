using FluentAssertions;
using MinutePool.Core.Accounts;
using MinutePool.Core.Billing;
using MinutePool.Core.Common;
using MinutePool.Core.Plans;
using Xunit;
using static MinutePool.Core.Tests.TestData;

namespace MinutePool.Core.Tests.Accounts;

/// <summary>DESIGN.md, "Plans and billing cycles": upgrades now for the whole cycle, downgrades at the next cycle.</summary>
public sealed class PlanScheduleTests
{
    // Billing day 5 in UTC: at Now (2027-06-15) the cycle is 2027-06-05 → 2027-07-05.
    private static readonly PeriodCalendar Cycles = Calendar("UTC", 5);
    private static readonly Period CurrentCycle = Cycles.PeriodContaining(Now);
    private static readonly Plan Small = Plan("team-3000", 3000);
    private static readonly Plan Big = Plan("team-6000", 6000);

    [Fact]
    public void The_test_cycle_is_what_the_tests_assume()
    {
        CurrentCycle.Start.Should().Be(Utc(2027, 6, 5));
        CurrentCycle.End.Should().Be(Utc(2027, 7, 5));
    }

    [Fact]
    public void An_upgrade_is_immediate()
    {
        var decision = PlanSchedule.Decide(Small, Big, CurrentCycle, allocatedMinutes: 2500, Now);

        decision.IsSuccess.Should().BeTrue();
        decision.Value.Plan.Should().BeSameAs(Big);
        decision.Value.Timing.Should().Be(PlanChangeTiming.Immediate);
        decision.Value.EffectiveAt.Should().Be(Now);
    }

    [Fact]
    public void An_upgrade_mid_cycle_gives_the_whole_current_cycle_the_new_plan()
    {
        var decision = PlanSchedule.Decide(Small, Big, CurrentCycle, 0, Now).Value;
        var schedule = new PlanSchedule([(AccountCreated, Small), (decision.EffectiveAt, decision.Plan)]);

        schedule.PlanFor(CurrentCycle).Should().BeSameAs(Big);
        schedule.PlanFor(Cycles.PeriodContaining(Utc(2027, 6, 5, 0, 0, 1))).Should().BeSameAs(Big); // earlier in the same cycle
        schedule.PlanFor(Cycles.Next(CurrentCycle)).Should().BeSameAs(Big);
        schedule.PlanFor(Cycles.Previous(CurrentCycle)).Should().BeSameAs(Small);
        schedule.PlanFor(CurrentCycle).SecondsPerCycle.Should().Be(360_000);
    }

    [Fact]
    public void A_downgrade_takes_effect_at_the_end_of_the_current_cycle()
    {
        var decision = PlanSchedule.Decide(Big, Small, CurrentCycle, allocatedMinutes: 3000, Now);

        decision.IsSuccess.Should().BeTrue();
        decision.Value.Plan.Should().BeSameAs(Small);
        decision.Value.Timing.Should().Be(PlanChangeTiming.NextCycle);
        decision.Value.EffectiveAt.Should().Be(Utc(2027, 7, 5));
    }

    [Fact]
    public void After_a_downgrade_the_current_cycle_keeps_the_old_plan_and_the_next_gets_the_new_one()
    {
        var decision = PlanSchedule.Decide(Big, Small, CurrentCycle, 0, Now).Value;
        var schedule = new PlanSchedule([(AccountCreated, Big), (decision.EffectiveAt, decision.Plan)]);

        schedule.PlanFor(CurrentCycle).Should().BeSameAs(Big);
        schedule.PlanFor(Cycles.Next(CurrentCycle)).Should().BeSameAs(Small);
        schedule.PlanFor(Cycles.Next(Cycles.Next(CurrentCycle))).Should().BeSameAs(Small);
    }

    [Fact]
    public void A_downgrade_is_refused_while_allocations_exceed_the_new_plan()
    {
        var decision = PlanSchedule.Decide(Big, Small, CurrentCycle, allocatedMinutes: 3001, Now);

        decision.IsSuccess.Should().BeFalse();
        decision.Error!.Code.Should().Be(ErrorCodes.AllocationsExceedPlan);
        decision.Error.Field.Should().Be("planCode");
        decision.Error.Extensions["allocatedMinutes"].Should().Be(3001L);
        decision.Error.Extensions["planMinutes"].Should().Be(3000);
    }

    [Fact]
    public void Requesting_the_current_plan_is_immediate()
    {
        var decision = PlanSchedule.Decide(Big, Big, CurrentCycle, allocatedMinutes: 9999, Now);

        decision.IsSuccess.Should().BeTrue();
        decision.Value.Plan.Should().BeSameAs(Big);
        decision.Value.Timing.Should().Be(PlanChangeTiming.Immediate);
        decision.Value.EffectiveAt.Should().Be(Now);
    }

    [Fact]
    public void A_different_plan_with_the_same_minutes_is_not_an_upgrade()
    {
        var sameMinutes = Plan("team-6000-eur", 6000);

        var decision = PlanSchedule.Decide(Big, sameMinutes, CurrentCycle, 0, Now);

        decision.Value.Timing.Should().Be(PlanChangeTiming.NextCycle);
        decision.Value.EffectiveAt.Should().Be(CurrentCycle.End);
    }

    [Fact]
    public void Pending_after_returns_a_change_recorded_for_later_only()
    {
        var nextCycleStart = CurrentCycle.End;
        var schedule = new PlanSchedule([(AccountCreated, Big), (nextCycleStart, Small)]);

        var pending = schedule.PendingAfter(Now);

        pending.Should().NotBeNull();
        pending!.Value.EffectiveAt.Should().Be(nextCycleStart);
        pending.Value.Plan.Should().BeSameAs(Small);
        schedule.PendingAfter(nextCycleStart).Should().BeNull();
        schedule.PendingAfter(nextCycleStart.AddSeconds(-1))!.Value.Plan.Should().BeSameAs(Small);
        new PlanSchedule([(AccountCreated, Big)]).PendingAfter(Now).Should().BeNull();
    }

    [Fact]
    public void Changes_are_ordered_by_effective_time_whatever_the_input_order()
    {
        var schedule = new PlanSchedule([(CurrentCycle.End, Small), (AccountCreated, Big)]);

        schedule.PlanFor(CurrentCycle).Should().BeSameAs(Big);
        schedule.PlanFor(Cycles.Next(CurrentCycle)).Should().BeSameAs(Small);
    }

    [Fact]
    public void Cycles_before_the_first_plan_use_the_first_plan()
    {
        var schedule = new PlanSchedule([(Now, Small)]);

        schedule.PlanFor(Cycles.PeriodContaining(Utc(2026, 1, 10))).Should().BeSameAs(Small);
    }

    [Fact]
    public void An_account_always_has_a_plan()
    {
        var act = () => new PlanSchedule([]);

        act.Should().Throw<ArgumentException>();
    }
}
