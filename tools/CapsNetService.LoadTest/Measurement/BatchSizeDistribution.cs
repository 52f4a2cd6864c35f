using System.Globalization;

namespace CapsNetService.LoadTest.Measurement;

/// <summary>Calls whose batch size was in (previous bound, <paramref name="UpTo"/>].</summary>
public sealed record BatchSizeBucket(double UpTo, long Calls);

/// <summary>
/// The micro-batcher's gathered calls between two readings of the service's GET /metrics: its histogram
/// <c>capsnet_inference_batch_size</c> (images per ONNX Runtime call) at the end less the one at the start.
/// </summary>
public sealed record BatchSizeDistribution(long Calls, double Images, IReadOnlyList<BatchSizeBucket> Buckets)
{
    public const string Metric = "capsnet_inference_batch_size";

    /// <summary>Images per call, on average (NaN without calls).</summary>
    public double Mean => Calls == 0 ? double.NaN : Images / Calls;

    /// <summary>The histogram in a Prometheus text exposition (cumulative buckets), or null when it is not there.</summary>
    public static BatchSizeDistribution? Parse(string metricsText)
    {
        var cumulative = new List<(double UpTo, long Calls)>();
        long? count = null;
        double? sum = null;
        foreach (var raw in metricsText.Split('\n'))
        {
            var line = raw.Trim();
            if (!line.StartsWith(Metric + "_", StringComparison.Ordinal)) continue;
            int space = line.LastIndexOf(' ');
            if (space < 0 || !double.TryParse(line[(space + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var value)) continue;
            string name = line[..space];
            if (name == Metric + "_count") count = (long)value;
            else if (name == Metric + "_sum") sum = value;
            else if (name.StartsWith(Metric + "_bucket{le=\"", StringComparison.Ordinal))
            {
                string bound = name[(Metric.Length + "_bucket{le=\"".Length)..].TrimEnd('}').TrimEnd('"');
                double upTo = bound == "+Inf" ? double.PositiveInfinity : double.Parse(bound, NumberStyles.Float, CultureInfo.InvariantCulture);
                cumulative.Add((upTo, (long)value));
            }
        }
        if (count is null || sum is null) return null;
        cumulative.Sort((a, b) => a.UpTo.CompareTo(b.UpTo));
        var buckets = new List<BatchSizeBucket>(cumulative.Count);
        long below = 0;
        foreach (var (upTo, calls) in cumulative)
        {
            buckets.Add(new BatchSizeBucket(upTo, calls - below));
            below = calls;
        }
        return new BatchSizeDistribution(count.Value, sum.Value, buckets);
    }

    /// <summary>What happened between <paramref name="before"/> and this (later) reading.</summary>
    public BatchSizeDistribution Since(BatchSizeDistribution? before)
    {
        if (before is null) return this;
        var earlier = before.Buckets.ToDictionary(b => b.UpTo, b => b.Calls);
        return new BatchSizeDistribution(Calls - before.Calls, Images - before.Images,
            Buckets.Select(b => b with { Calls = b.Calls - earlier.GetValueOrDefault(b.UpTo) }).ToList());
    }

    /// <summary>Share of calls by bucket, e.g. "1: 12 %, 2: 20 %, 3–4: 40 %, 5–8: 28 %" (empty buckets left out).</summary>
    public string Describe()
    {
        if (Calls == 0) return "no calls";
        var parts = new List<string>();
        double lower = 0;
        foreach (var bucket in Buckets)
        {
            if (bucket.Calls > 0)
            {
                string range = double.IsPositiveInfinity(bucket.UpTo) ? $">{lower:0}"
                             : Math.Floor(lower) + 1 >= bucket.UpTo ? $"{bucket.UpTo:0}" : $"{Math.Floor(lower) + 1:0}–{bucket.UpTo:0}";
                parts.Add(string.Create(CultureInfo.InvariantCulture, $"{range}: {100.0 * bucket.Calls / Calls:F0} %"));
            }
            lower = bucket.UpTo;
        }
        return string.Join(", ", parts);
    }

    /// <summary>GET /metrics of the service, parsed; null when it cannot be read (no metrics endpoint, an error).</summary>
    public static async Task<BatchSizeDistribution?> ReadAsync(HttpClient http)
    {
        try
        {
            return Parse(await http.GetStringAsync("/metrics"));
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }
}
