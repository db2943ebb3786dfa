using FluentAssertions;
using MinutePool.Core.Billing;
using MinutePool.Core.Workspaces;
using Xunit;

namespace MinutePool.Core.Tests.Billing;

public sealed class AllocationSuggestionsTests
{
    private static WorkspaceUsageHistory History(int? current, long currentPeriodMinutes, params long[] closedMinutes) =>
        new(Guid.NewGuid(), current, closedMinutes.Select(m => m * 60).ToArray(), currentPeriodMinutes * 60);

    [Fact]
    public void The_peak_of_the_last_three_periods_gets_ten_percent_headroom_rounded_up_to_ten_minutes()
    {
        // Peak 500 → 550; peak 123 → 135.3 → 136 → 140.
        AllocationSuggestions.Unscaled(History(null, 0, 400, 500, 300)).Should().Be(550);
        AllocationSuggestions.Unscaled(History(null, 0, 123, 20, 5)).Should().Be(140);
    }

    [Fact]
    public void Only_the_three_most_recent_periods_count()
    {
        AllocationSuggestions.Unscaled(History(null, 0, 100, 100, 100, 5_000)).Should().Be(110, "the fourth period (5,000 min) is older than three");
    }

    [Fact]
    public void Fewer_than_three_periods_use_what_there_is()
    {
        AllocationSuggestions.Unscaled(History(null, 0, 200)).Should().Be(220);
    }

    [Fact]
    public void Usage_in_seconds_is_rounded_up_to_whole_minutes_before_headroom()
    {
        // 100 min 1 s → 101 min → 111.1 → 112 → 120.
        var history = new WorkspaceUsageHistory(Guid.NewGuid(), null, [6_001], 0);
        AllocationSuggestions.Unscaled(history).Should().Be(120);
    }

    [Fact]
    public void The_running_period_so_far_is_a_floor()
    {
        AllocationSuggestions.Unscaled(History(null, 900, 100, 100, 100)).Should().Be(990);
        AllocationSuggestions.Unscaled(History(null, 50, 100, 100, 100)).Should().Be(110, "a lower running figure changes nothing");
    }

    [Fact]
    public void A_quiet_workspace_still_gets_the_minimum_so_it_is_not_locked_out()
    {
        AllocationSuggestions.Unscaled(History(500, 0, 0, 0, 0)).Should().Be(AllocationSuggestions.MinimumMinutes);
        AllocationSuggestions.Unscaled(History(null, 0, 1)).Should().Be(AllocationSuggestions.MinimumMinutes);
    }

    [Fact]
    public void Without_history_the_current_allocation_is_kept_and_none_stays_none()
    {
        var set = AllocationSuggestions.Suggest([History(300, 40), History(null, 40)], 10_000);

        set.Suggestions.Select(s => (s.SuggestedMinutes, s.Basis)).Should().Equal((300, SuggestionBasis.NoHistory), (null, SuggestionBasis.NoHistory));
        set.Scaled.Should().BeFalse();
    }

    [Fact]
    public void Suggestions_that_fit_are_not_scaled_and_leave_the_rest_unallocated()
    {
        var a = History(1_000, 0, 400, 500, 300);
        var b = History(null, 0, 90, 80, 70);

        var set = AllocationSuggestions.Suggest([a, b], 6_000);

        set.Suggestions.Select(s => s.SuggestedMinutes).Should().Equal(550, 100);
        set.Suggestions[0].DifferenceMinutes.Should().Be(-450);
        set.Suggestions[1].DifferenceMinutes.Should().Be(100);
        set.TotalMinutes.Should().Be(650);
        set.UnallocatedMinutes.Should().Be(5_350);
        set.Scaled.Should().BeFalse();
    }

    [Fact]
    public void Too_much_is_scaled_down_proportionally_to_exactly_the_plan()
    {
        // Unscaled 550 + 330 + 220 = 1,100 over a 1,000-minute plan: 500, 300, 200 exactly.
        var set = AllocationSuggestions.Suggest([History(null, 0, 500), History(null, 0, 300), History(null, 0, 200)], 1_000);

        set.Suggestions.Select(s => s.UnscaledMinutes).Should().Equal(550, 330, 220);
        set.Suggestions.Select(s => s.SuggestedMinutes).Should().Equal(500, 300, 200);
        set.Scaled.Should().BeTrue();
        set.TotalMinutes.Should().Be(1_000);
    }

    [Fact]
    public void Rounding_leftovers_go_to_the_largest_remainders()
    {
        // Unscaled 110, 110, 110 = 330 over 100: 33.33 each, the one leftover minute goes to the first (tie → input order).
        var set = AllocationSuggestions.Suggest([History(null, 0, 100), History(null, 0, 100), History(null, 0, 100)], 100);
        set.Suggestions.Select(s => s.SuggestedMinutes).Should().Equal(34, 33, 33);

        // Unscaled 20, 30, 60 = 110 over 100: 18.18, 27.27, 54.55 → 18, 27, 55.
        var other = AllocationSuggestions.Suggest([History(null, 0, 15), History(null, 0, 25), History(null, 0, 50)], 100);
        other.Suggestions.Select(s => s.UnscaledMinutes).Should().Equal(20, 30, 60);
        other.Suggestions.Select(s => s.SuggestedMinutes).Should().Equal(18, 27, 55);
    }

    [Fact]
    public void Kept_allocations_are_reserved_and_the_history_based_ones_share_the_rest()
    {
        var set = AllocationSuggestions.Suggest([History(400, 0), History(null, 0, 500), History(null, 0)], 500);

        // 400 kept; 550 from history is fitted into the 100 left; none stays none.
        set.Suggestions.Select(s => s.SuggestedMinutes).Should().Equal(400, 100, null);
        set.Scaled.Should().BeTrue();
        set.TotalMinutes.Should().Be(500);
    }

    [Fact]
    public void Kept_allocations_over_the_plan_are_scaled_and_leave_nothing_for_the_others()
    {
        // Saves never allow this, but the rule must still fit: 400 + 300 over 500 → 285.71, 214.29 → 286, 214.
        var set = AllocationSuggestions.Suggest([History(400, 0), History(300, 0), History(null, 0, 100)], 500);

        set.Suggestions.Select(s => s.SuggestedMinutes).Should().Equal(286, 214, 0);
    }

    [Fact]
    public void Applying_the_suggestions_and_asking_again_gives_the_same_suggestions()
    {
        var input = new[] { History(50, 0), History(null, 0, 300), History(100, 0, 400, 200) };
        var first = AllocationSuggestions.Suggest(input, 500);
        first.Scaled.Should().BeTrue();

        var second = AllocationSuggestions.Suggest(Reapplied(input, first), 500);

        second.Suggestions.Select(s => s.SuggestedMinutes).Should().Equal(first.Suggestions.Select(s => s.SuggestedMinutes));
    }

    [Fact]
    public void The_same_input_always_gives_the_same_answer()
    {
        var input = new[] { History(null, 0, 100), History(null, 0, 100), History(70, 3), History(null, 0, 999) };
        var first = AllocationSuggestions.Suggest(input, 777);
        var second = AllocationSuggestions.Suggest(input, 777);
        second.Suggestions.Should().Equal(first.Suggestions);
    }

    [Fact]
    public void A_plan_of_zero_minutes_suggests_zero()
    {
        var set = AllocationSuggestions.Suggest([History(null, 0, 100), History(50, 0)], 0);
        set.Suggestions.Select(s => s.SuggestedMinutes).Should().Equal(0, 0);
    }

    [Fact]
    public void Huge_usage_is_capped_at_the_allocation_limit()
    {
        var history = new WorkspaceUsageHistory(Guid.NewGuid(), null, [long.MaxValue], long.MaxValue);
        AllocationSuggestions.Unscaled(history).Should().Be(AllocationPolicy.MaxAllocationMinutes);

        var set = AllocationSuggestions.Suggest([history, history with { WorkspaceId = Guid.NewGuid() }], int.MaxValue);
        set.Suggestions.Should().OnlyContain(s => s.SuggestedMinutes == AllocationPolicy.MaxAllocationMinutes);
    }

    [Fact]
    public void No_workspaces_suggest_nothing()
    {
        var set = AllocationSuggestions.Suggest([], 6_000);
        set.Suggestions.Should().BeEmpty();
        set.TotalMinutes.Should().Be(0);
    }

    [Fact]
    public void Invalid_input_is_refused()
    {
        var act = () => AllocationSuggestions.Suggest([History(null, 0, 1)], -1);
        act.Should().Throw<ArgumentOutOfRangeException>();

        var negative = new WorkspaceUsageHistory(Guid.NewGuid(), null, [-60], 0);
        var actNegative = () => AllocationSuggestions.Suggest([negative], 100);
        actNegative.Should().Throw<ArgumentOutOfRangeException>();

        var twice = History(null, 0, 1);
        var actTwice = () => AllocationSuggestions.Suggest([twice, twice], 100);
        actTwice.Should().Throw<ArgumentException>();
    }

    [Fact]
    public void Over_many_random_inputs_the_total_never_exceeds_the_plan_and_each_suggestion_is_within_the_limits()
    {
        var random = new Random(20261122);
        for (var run = 0; run < 5_000; run++)
        {
            var count = random.Next(0, 12);
            var planMinutes = random.Next(0, 4) switch
            {
                0 => random.Next(0, 50),
                1 => random.Next(0, 10_000),
                2 => random.Next(0, int.MaxValue),
                _ => random.Next(0, 200_000),
            };
            var input = Enumerable.Range(0, count).Select(_ => RandomHistory(random)).ToArray();

            var set = AllocationSuggestions.Suggest(input, planMinutes);

            set.Suggestions.Should().HaveCount(count);
            set.TotalMinutes.Should().BeLessThanOrEqualTo(planMinutes, "run {0}", run);
            for (var i = 0; i < count; i++)
            {
                var s = set.Suggestions[i];
                s.WorkspaceId.Should().Be(input[i].WorkspaceId);
                if (s.SuggestedMinutes is { } minutes)
                {
                    minutes.Should().BeInRange(0, AllocationPolicy.MaxAllocationMinutes);
                    minutes.Should().BeLessThanOrEqualTo(s.UnscaledMinutes!.Value, "fitting never raises a value");
                }
                else
                {
                    input[i].ClosedPeriodSeconds.Should().BeEmpty("only a workspace without history and allocation gets none");
                    input[i].CurrentAllocationMinutes.Should().BeNull();
                }
            }

            var unscaledTotal = set.Suggestions.Sum(s => (long)(s.UnscaledMinutes ?? 0));
            if (unscaledTotal > planMinutes)
            {
                set.TotalMinutes.Should().Be(planMinutes, "a scaled set hands out exactly the plan (run {0})", run);
            }
            else
            {
                set.Suggestions.All(s => s.SuggestedMinutes == s.UnscaledMinutes).Should().BeTrue("a set that fits is left as it is (run {0})", run);
            }

            AllocationSuggestions.Suggest(Reapplied(input, set), planMinutes).Suggestions.Select(s => s.SuggestedMinutes)
                .Should().Equal(set.Suggestions.Select(s => s.SuggestedMinutes), "applying twice changes nothing the second time (run {0})", run);

            // Every suggestion passes the same check that saving an allocation runs.
            foreach (var s in set.Suggestions)
            {
                AllocationPolicy.Check(s.SuggestedMinutes, planMinutes, set.TotalMinutes - (s.SuggestedMinutes ?? 0), distributionEnabled: true).Should().BeNull();
            }
        }
    }

    /// <summary>The same histories with the suggestions as their current allocations.</summary>
    private static WorkspaceUsageHistory[] Reapplied(WorkspaceUsageHistory[] input, AllocationSuggestionSet set) =>
        input.Select((w, i) => w with { CurrentAllocationMinutes = set.Suggestions[i].SuggestedMinutes }).ToArray();

    private static WorkspaceUsageHistory RandomHistory(Random random)
    {
        var periods = random.Next(0, 5);
        long Usage() => random.Next(0, 5) switch
        {
            0 => 0,
            1 => random.Next(0, 600),
            2 => random.NextInt64(0, 60L * 100_000),
            3 => random.NextInt64(0, 60L * 500_000_000),
            _ => random.NextInt64(0, long.MaxValue),
        };
        int? current = random.Next(0, 3) == 0 ? null : random.Next(0, AllocationPolicy.MaxAllocationMinutes + 1);
        return new WorkspaceUsageHistory(Guid.NewGuid(), current, Enumerable.Range(0, periods).Select(_ => Usage()).ToArray(), Usage());
    }
}
