using System.Globalization;

namespace CapsNetService.Inference.Api.Tests.Support;

/// <summary>Reads values out of the Prometheus text format.</summary>
public static class MetricsText
{
    /// <summary>The value of the sample whose name (with labels, exactly as written) is <paramref name="sample"/>; 0 when absent.</summary>
    public static double Value(string metrics, string sample)
    {
        foreach (var line in metrics.Split('\n'))
            if (line.StartsWith(sample + " ", StringComparison.Ordinal))
                return double.Parse(line[(sample.Length + 1)..].Trim(), CultureInfo.InvariantCulture);
        return 0;
    }
}
