using System.Net;
using System.Net.Sockets;
using CapsNetService.Tests;
using CapsNetService.Training.Data;

namespace CapsNetService.Training.Tests.Data;

/// <summary>The download path, against a real HTTP server on loopback serving the real files
/// (this machine has no internet; the public mirrors are only named, not reached).</summary>
public sealed class MnistDownloaderTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("capsnet-download-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public async Task Tries_mirrors_in_turn_and_keeps_only_files_with_the_right_checksum()
    {
        using var broken = new LocalFileServer(_ => (HttpStatusCode.NotFound, []));
        using var corrupt = new LocalFileServer(name => (HttpStatusCode.OK, "not mnist"u8.ToArray()));
        using var good = new LocalFileServer(name => (HttpStatusCode.OK, File.ReadAllBytes(RepositoryPaths.MnistFile(name))));
        var log = new List<string>();
        using var http = new HttpClient();

        await new MnistDownloader(http, [broken.Url, corrupt.Url, good.Url], log.Add).DownloadMissingAsync(folder);

        foreach (var spec in MnistFiles.All)
        {
            var path = MnistFiles.Find(folder, spec);
            Assert.NotNull(path);
            Assert.Equal(spec.ContentMd5, MnistDownloader.ContentMd5(File.ReadAllBytes(path!)));
        }
        Assert.Empty(Directory.GetFiles(folder, "*.tmp"));
        Assert.Equal(12, log.Count);   // three mirrors tried for each of the four files
    }

    [Fact]
    public async Task Fails_with_a_message_naming_the_folder_the_files_and_every_mirror()
    {
        using var broken = new LocalFileServer(_ => (HttpStatusCode.InternalServerError, []));
        using var http = new HttpClient();
        var error = await Assert.ThrowsAsync<MnistUnavailableException>(
            () => new MnistDownloader(http, [broken.Url]).DownloadMissingAsync(folder));
        Assert.Contains(folder, error.Message);
        Assert.Contains("train-images-idx3-ubyte", error.Message);
        Assert.Contains(broken.Url, error.Message);
        Assert.Empty(Directory.GetFiles(folder));
    }

    [Fact]
    public async Task Does_not_download_what_is_already_there()
    {
        foreach (var spec in MnistFiles.All)
            File.Copy(RepositoryPaths.MnistFile(spec.Name + ".gz"), Path.Combine(folder, spec.Name + ".gz"));
        using var http = new HttpClient();
        var log = new List<string>();
        await new MnistDownloader(http, ["http://127.0.0.1:9/unused/"], log.Add).DownloadMissingAsync(folder);
        Assert.Empty(log);
    }

    [Fact]
    public async Task Data_source_refuses_to_download_when_told_not_to()
    {
        var error = await Assert.ThrowsAsync<MnistUnavailableException>(
            () => MnistDataSource.LoadAsync(folder, download: false, MnistFiles.DefaultMirrors));
        Assert.Contains("--no-download", error.Message);
    }

    /// <summary>A tiny HTTP server on a free loopback port; the handler maps a file name to a response.</summary>
    private sealed class LocalFileServer : IDisposable
    {
        private readonly HttpListener listener = new();
        private readonly Task loop;

        public LocalFileServer(Func<string, (HttpStatusCode Status, byte[] Body)> handler)
        {
            var port = FreePort();
            Url = $"http://127.0.0.1:{port}/mnist/";
            listener.Prefixes.Add(Url);
            listener.Start();
            loop = Task.Run(async () =>
            {
                while (listener.IsListening)
                {
                    HttpListenerContext context;
                    try { context = await listener.GetContextAsync(); }
                    catch (Exception) { return; }
                    var (status, body) = handler(Path.GetFileName(context.Request.Url!.AbsolutePath));
                    context.Response.StatusCode = (int)status;
                    await context.Response.OutputStream.WriteAsync(body);
                    context.Response.Close();
                }
            });
        }

        public string Url { get; }

        public void Dispose()
        {
            listener.Stop();
            listener.Close();
            loop.Wait(TimeSpan.FromSeconds(5));
        }

        private static int FreePort()
        {
            using var socket = new TcpListener(IPAddress.Loopback, 0);
            socket.Start();
            return ((IPEndPoint)socket.LocalEndpoint).Port;
        }
    }
}
