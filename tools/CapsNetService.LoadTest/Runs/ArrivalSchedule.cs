namespace CapsNetService.LoadTest.Runs;

/// <summary>How the arrivals of an open-loop run are spaced.</summary>
public enum ArrivalPattern
{
    /// <summary>Exactly 1/rate seconds apart.</summary>
    Uniform,

    /// <summary>Exponential gaps of mean 1/rate (a Poisson process, seeded): bursts happen, as with independent users.</summary>
    Poisson,
}

/// <summary>
/// When each request of an open-loop run is due, in seconds from the run's start: fixed in advance from the rate, the
/// pattern and the seed, whatever the service answers or how long it takes.
/// </summary>
public sealed class ArrivalSchedule
{
    private readonly Random? _random;
    private readonly List<double> _poisson = [];

    public ArrivalSchedule(double requestsPerSecond, ArrivalPattern pattern = ArrivalPattern.Uniform, int seed = 7)
    {
        if (!(requestsPerSecond > 0) || double.IsInfinity(requestsPerSecond))
            throw new ArgumentOutOfRangeException(nameof(requestsPerSecond), requestsPerSecond, "the rate must be a positive number of requests per second");
        Rate = requestsPerSecond;
        Pattern = pattern;
        if (pattern == ArrivalPattern.Poisson) _random = new Random(seed);
    }

    public double Rate { get; }

    public ArrivalPattern Pattern { get; }

    /// <summary>When arrival <paramref name="index"/> (from 0) is due, in seconds from the start; the first is due at 0.</summary>
    public double At(long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        if (_random is null) return index / Rate;
        while (_poisson.Count <= index)
        {
            double previous = _poisson.Count == 0 ? 0 : _poisson[^1] - Math.Log(1 - _random.NextDouble()) / Rate;
            _poisson.Add(previous);
        }
        return _poisson[(int)index];
    }
}

/// <summary>
/// The open loop itself: fires every arrival of a schedule due before <c>until</c> at its moment and never waits for
/// an answer, so that a slow service makes requests queue up (and shows in their latency) instead of slowing the
/// arrivals, as a closed loop of clients does. Behind schedule (a late timer, a busy machine) it fires what is due at
/// once, back to back. The clock and the wait are passed in, so that tests can run it on a clock of their own.
/// </summary>
public static class OpenLoopDispatcher
{
    /// <param name="now">Seconds since the schedule's start.</param>
    /// <param name="delay">Waits about the given time; waking early or late is fine: the loop looks at the clock again.</param>
    /// <param name="fire">Starts request <c>index</c>, due at <c>due</c> seconds; must not block.</param>
    /// <returns>How many were fired.</returns>
    public static async Task<long> RunAsync(ArrivalSchedule schedule, double until, Func<double> now, Func<TimeSpan, Task> delay,
                                            Action<long, double> fire, CancellationToken cancellationToken = default)
    {
        long next = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            double due = schedule.At(next);
            if (due >= until) break;
            // In whole ticks: a remainder below one (rounding of the clock) is due now, not a wait that never ends.
            var wait = TimeSpan.FromSeconds(due - now());
            if (wait > TimeSpan.Zero)
            {
                await delay(wait);
                continue;
            }
            fire(next, due);
            next++;
        }
        return next;
    }
}
