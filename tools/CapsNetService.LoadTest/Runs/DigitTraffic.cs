using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using CapsNetService.LoadTest.Images;

namespace CapsNetService.LoadTest.Runs;

/// <summary>One request of the traffic: when it ended (seconds from the start), how long it took, what came back.</summary>
public readonly record struct TrafficSample(double EndedAt, double Milliseconds, int Status, string? ModelVersion, bool Correct, string? Error);

/// <summary>
/// Ordinary traffic: <c>clients</c> concurrent loops, each posting real MNIST test digits (28×28 PNG) to POST /predict
/// (with <c>query</c>, e.g. <c>images=false</c>) over keep-alive connections, as fast as the answers come (closed loop,
/// <see cref="RunAsync"/>), or one request at a time at moments chosen elsewhere (open loop, <see cref="PostAsync"/>).
/// Every answer is kept (time, latency, status, the X-Model-Version header, whether the digit was right).
/// </summary>
public sealed class DigitTraffic : IDisposable
{
    private readonly HttpClient _http;
    private readonly (byte[] Png, int Label)[] _images;
    private readonly int _seed;
    private readonly string _path;
    private readonly List<TrafficSample>[] _samples;
    private readonly Stopwatch _clock = new();

    public DigitTraffic(Uri baseAddress, MnistDigits digits, int clients, int seed, int distinctImages = 1000, string? query = null)
    {
        _http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = clients,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            ConnectTimeout = TimeSpan.FromSeconds(5),
        })
        { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        var rng = new Random(seed);
        _images = Enumerable.Range(0, distinctImages).Select(_ => rng.Next(digits.Count)).Select(i => (digits.Png(i), digits.Label(i))).ToArray();
        _seed = seed;
        _path = string.IsNullOrEmpty(query) ? "/predict" : "/predict?" + query.TrimStart('?');
        _samples = Enumerable.Range(0, clients).Select(_ => new List<TrafficSample>()).ToArray();
    }

    /// <summary>Seconds since the clock started (the first <see cref="RunAsync"/> or <see cref="StartClock"/>).</summary>
    public double Elapsed => _clock.Elapsed.TotalSeconds;

    public void StartClock() => _clock.Start();

    /// <summary>Runs the clients until <paramref name="stop"/> is cancelled.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        _clock.Start();
        await Task.WhenAll(_samples.Select((samples, client) => Task.Run(() => ClientAsync(client, samples, stop))));
    }

    private async Task ClientAsync(int client, List<TrafficSample> samples, CancellationToken stop)
    {
        var rng = new Random(HashCode.Combine(_seed, client));
        while (!stop.IsCancellationRequested)
            samples.Add(await PostAsync(rng.Next(_images.Length), Stopwatch.GetTimestamp()));
    }

    /// <summary>Posts image <paramref name="image"/> (modulo the distinct images) and reads the answer; the latency is
    /// counted from <paramref name="startedAt"/> (a <see cref="Stopwatch.GetTimestamp"/>: the open loop gives the moment
    /// the request was due, so that a late send counts against the service's latency, not hides it).</summary>
    public async Task<TrafficSample> PostAsync(int image, long startedAt)
    {
        var (png, label) = _images[image % _images.Length];
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(png);
        file.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        form.Add(file, "image", "digit.png");
        try
        {
            // Not cancellable: a request that has started is allowed to finish, and counted.
            using var response = await _http.PostAsync(_path, form, CancellationToken.None);
            var body = await response.Content.ReadAsByteArrayAsync(CancellationToken.None);
            double ms = Stopwatch.GetElapsedTime(startedAt).TotalMilliseconds;
            int status = (int)response.StatusCode;
            string? version = response.Headers.TryGetValues("X-Model-Version", out var values) ? values.FirstOrDefault() : null;
            bool correct = false;
            string? error = null;
            if (status == 200)
            {
                try
                {
                    using var json = JsonDocument.Parse(body);
                    correct = json.RootElement.GetProperty("digit").GetInt32() == label;
                }
                catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
                {
                    error = "200 without a readable digit";
                }
            }
            else
            {
                error = $"{status}: {System.Text.Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 300))}";
            }
            return new TrafficSample(Elapsed, ms, status, version, correct, error);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            return new TrafficSample(Elapsed, Stopwatch.GetElapsedTime(startedAt).TotalMilliseconds, 0, null, false, e.GetBaseException().Message);
        }
    }

    /// <summary>Every answer so far, in the order they ended. Call after <see cref="RunAsync"/> has finished.</summary>
    public List<TrafficSample> Samples() => _samples.SelectMany(s => s).OrderBy(s => s.EndedAt).ToList();

    public void Dispose() => _http.Dispose();
}
