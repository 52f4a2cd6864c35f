using CapsNetService.LoadTest.Runs;

namespace CapsNetService.Tools.Tests.LoadTest;

/// <summary>The open loop's schedule and dispatcher, on a clock of the test's own: no real waiting.</summary>
public sealed class ArrivalScheduleTests
{
    [Fact]
    public void Uniform_arrivals_are_one_over_the_rate_apart_from_zero()
    {
        var schedule = new ArrivalSchedule(40);
        Assert.Equal(0, schedule.At(0));
        Assert.Equal(0.025, schedule.At(1), 12);
        Assert.Equal(2.5, schedule.At(100), 12);
    }

    [Fact]
    public void Poisson_arrivals_have_the_rate_on_average_and_are_the_same_for_the_same_seed()
    {
        var schedule = new ArrivalSchedule(50, ArrivalPattern.Poisson, seed: 3);
        const int n = 20_000;
        double last = schedule.At(n);
        Assert.InRange(n / last, 48, 52);
        var gaps = Enumerable.Range(1, 1000).Select(i => schedule.At(i) - schedule.At(i - 1)).ToArray();
        Assert.All(gaps, g => Assert.True(g >= 0));
        Assert.True(gaps.Max() > 3 * gaps.Average(), "exponential gaps include long ones");   // unlike a uniform schedule
        Assert.Equal(schedule.At(777), new ArrivalSchedule(50, ArrivalPattern.Poisson, seed: 3).At(777));
        Assert.NotEqual(schedule.At(777), new ArrivalSchedule(50, ArrivalPattern.Poisson, seed: 4).At(777));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void A_rate_that_is_not_a_positive_number_is_refused(double rate) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new ArrivalSchedule(rate));

    /// <summary>A clock that only moves when the dispatcher waits: by what it asked for, plus an oversleep.</summary>
    private sealed class FakeClock(Func<TimeSpan, double> oversleep)
    {
        public double Now { get; private set; }
        public List<TimeSpan> Waits { get; } = [];

        public Task Delay(TimeSpan wait)
        {
            Waits.Add(wait);
            Now += wait.TotalSeconds + oversleep(wait);
            return Task.CompletedTask;
        }
    }

    [Fact]
    public async Task Every_arrival_before_the_end_is_fired_at_its_moment_without_waiting_for_answers()
    {
        var clock = new FakeClock(_ => 0);
        var schedule = new ArrivalSchedule(10);
        var fired = new List<(long Index, double Due, double At)>();

        long count = await OpenLoopDispatcher.RunAsync(schedule, 2.0, () => clock.Now, clock.Delay, (i, due) => fired.Add((i, due, clock.Now)));

        Assert.Equal(20, count);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => (long)i), fired.Select(f => f.Index));
        Assert.All(fired, f => Assert.Equal(schedule.At(f.Index), f.Due));
        Assert.All(fired, f => Assert.Equal(f.Due, f.At, 6));   // on time (to the clock's tick): the clock only moves by the waits asked for
        Assert.Equal(1.9, clock.Waits.Sum(w => w.TotalSeconds), 6);   // it waited for the schedule, never past it
        Assert.All(clock.Waits, w => Assert.InRange(w.TotalSeconds, 0, 0.1 + 1e-6));
    }

    [Fact]
    public async Task Behind_schedule_it_fires_what_is_due_back_to_back_and_keeps_the_schedule()
    {
        // The first wait oversleeps by half a second (a busy machine); the others are exact.
        bool first = true;
        var clock = new FakeClock(_ => { bool late = first; first = false; return late ? 0.5 : 0; });
        var schedule = new ArrivalSchedule(10);
        var fired = new List<(double Due, double At)>();

        await OpenLoopDispatcher.RunAsync(schedule, 1.0, () => clock.Now, clock.Delay, (_, due) => fired.Add((due, clock.Now)));

        Assert.Equal(10, fired.Count);
        // Due at 0.1 to 0.6, all sent at 0.6, back to back...
        Assert.Equal([0.6, 0.6, 0.6, 0.6, 0.6, 0.6], fired.Skip(1).Take(6).Select(f => Math.Round(f.At, 6)));
        // ...then on schedule again, not shifted by the delay.
        Assert.Equal(0.7, fired[7].At, 6);
        Assert.Equal(schedule.At(7), fired[7].Due);
    }

    [Fact]
    public async Task Stops_at_cancellation()
    {
        var clock = new FakeClock(_ => 0);
        using var stop = new CancellationTokenSource();
        long fired = 0;
        long count = await OpenLoopDispatcher.RunAsync(new ArrivalSchedule(100), 10, () => clock.Now, clock.Delay,
                                                       (i, _) => { fired++; if (i == 4) stop.Cancel(); }, stop.Token);
        Assert.Equal(5, count);
        Assert.Equal(5, fired);
    }
}
