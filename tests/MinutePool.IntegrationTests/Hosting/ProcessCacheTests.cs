using MinutePool.Data.Infrastructure;

namespace MinutePool.IntegrationTests.Hosting;

/// <summary>
/// The process-wide maps (remembered account states, balance dates, running calls, API keys) stay within their bound
/// however many distinct keys a long-running process meets, also when many threads remember and forget at once.
/// </summary>
public sealed class ProcessCacheTests
{
    [Fact]
    public void A_new_key_beyond_the_bound_clears_the_map_and_is_kept()
    {
        var cache = new ProcessCache<int, string>(3);
        cache.Remember(1, "one");
        cache.Remember(2, "two");
        cache.Remember(3, "three");
        cache.Remember(3, "three again");
        cache.Count.Should().Be(3);
        cache.Find(3).Should().Be("three again", "a known key takes its new value without counting twice");

        cache.Remember(4, "four");

        cache.Count.Should().Be(1);
        cache.Find(4).Should().Be("four");
        cache.Find(1).Should().BeNull();
    }

    [Fact]
    public void Forgotten_keys_make_room()
    {
        var cache = new ProcessCache<int, string>(3);
        for (var i = 0; i < 10; i++)
        {
            cache.Remember(i, "call");
            cache.Forget(i);
        }

        cache.Remember(100, "a");
        cache.Remember(101, "b");
        cache.Remember(102, "c");

        cache.Count.Should().Be(3, "ten remembered and forgotten keys took no room");
        cache.Find(100).Should().Be("a");
    }

    [Fact]
    public async Task Threads_remembering_and_forgetting_at_once_never_take_it_far_past_its_bound()
    {
        // 400,000 distinct keys against a bound of 1,000; a clear racing with other threads' adds may leave a few uncounted.
        const int bound = 1_000;
        var cache = new ProcessCache<(int, int), int>(bound);
        var threads = Enumerable.Range(0, 8).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < 50_000; i++)
            {
                cache.Remember((t, i), i);
                if (i % 3 == 0)
                {
                    cache.Forget((t, i));
                }

                if (i % 5_000 == 0)
                {
                    cache.Count.Should().BeLessThanOrEqualTo(bound + 64);
                }
            }
        }));

        await Task.WhenAll(threads);

        cache.Count.Should().BeInRange(1, bound + 64);
    }
}
