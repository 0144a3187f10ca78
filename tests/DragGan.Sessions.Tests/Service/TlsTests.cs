using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using DragGan.Protos.V1;
using DragGan.Sessions.Tests.Support;
using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Client.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using static DragGan.Sessions.Tests.Support.SessionTestData;
using SessionsClient = DragGan.Protos.V1.Sessions.SessionsClient;

namespace DragGan.Sessions.Tests.Service;

/// <summary>
/// TLS when configured: one <c>https://</c> endpoint with a certificate, in Kestrel's own settings,
/// serves gRPC over HTTP/2 and gRPC-Web over HTTP/1.1 (ALPN picks the protocol), and a client
/// that does not trust the certificate or speaks plain text gets nothing.
/// </summary>
[Collection(InferenceCollection.Name)]
public sealed class TlsTests(InferenceServer inference) : IDisposable
{
    private const string CertificatePassword = "test-only";
    private readonly SqliteBackend _backend = new();
    private readonly string _folder = Directory.CreateTempSubdirectory("draggan-tls-tests-").FullName;

    public void Dispose()
    {
        _backend.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task AnHttpsEndpoint_ServesGrpcAndGrpcWeb_ToClientsThatTrustItsCertificate()
    {
        using var certificate = SelfSignedForLoopback();
        var certificatePath = Path.Combine(_folder, "sessions.pfx");
        await File.WriteAllBytesAsync(certificatePath, certificate.Export(X509ContentType.Pfx, CertificatePassword));
        var address = $"https://127.0.0.1:{FreePort.Next()}";
        await using var app = SessionsHost.CreateApplication([], builder => builder.Configuration.AddInMemoryCollection(
        [
            new("Serilog:MinimumLevel:Default", "Warning"),
            new("Kestrel:Endpoints:Tls:Url", address),
            new("Kestrel:Endpoints:Tls:Protocols", "Http1AndHttp2"),
            new("Kestrel:Endpoints:Tls:Certificate:Path", certificatePath),
            new("Kestrel:Endpoints:Tls:Certificate:Password", CertificatePassword),
            new("Sessions:InferenceAddress", inference.Address),
            .. TestTenants.ApiKeySettings,
            .. _backend.HostSettings(Guid.NewGuid().ToString("N")),
        ]));
        await app.StartAsync();

        using var grpc = GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = Trusting(certificate) });
        var created = (await new SessionsClient(grpc).CreateSessionAsync(FromSeed(7), WithKey())).Session;

        // The browser's protocol on the same port: gRPC-Web over HTTP/1.1.
        using var web = GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = new GrpcWebHandler(GrpcWebMode.GrpcWeb, Trusting(certificate)),
            HttpVersion = System.Net.HttpVersion.Version11,
            HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        });
        var read = await new SessionsClient(web).GetSessionAsync(new GetSessionRequest { SessionId = created.Id }, WithKey());
        Assert.Equal(created, read);

        // The certificate is not in the machine's trust store: a client that checks it refuses the server.
        using var untrusting = GrpcChannel.ForAddress(address);
        var refused = await Assert.ThrowsAsync<RpcException>(() => new SessionsClient(untrusting).GetSessionAsync(new GetSessionRequest { SessionId = created.Id }, WithKey()).ResponseAsync);
        Assert.True(FindInner<AuthenticationException>(refused) is not null, refused.ToString());

        // Plain text reaches no service on a TLS port.
        using var plain = GrpcChannel.ForAddress(address.Replace("https://", "http://", StringComparison.Ordinal));
        await Assert.ThrowsAsync<RpcException>(() => new SessionsClient(plain).GetSessionAsync(new GetSessionRequest { SessionId = created.Id }, WithKey()).ResponseAsync);

        await app.StopAsync();
    }

    private static Metadata WithKey() => new() { { "authorization", $"Bearer {TestTenants.AlphaKey}" } };

    /// <summary>A handler that trusts exactly <paramref name="certificate"/>, as a client given the service's CA would.</summary>
    private static SocketsHttpHandler Trusting(X509Certificate2 certificate) => new()
    {
        SslOptions = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, presented, _, _) =>
                presented is not null && presented.GetCertHashString() == certificate.GetCertHashString(),
        },
    };

    private static X509Certificate2 SelfSignedForLoopback()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=draggan-sessions-test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false)); // server authentication
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddHours(1));
    }

    private static T? FindInner<T>(Exception e) where T : Exception
    {
        for (Exception? current = e; current is not null; current = current.InnerException)
        {
            if (current is T found)
                return found;
        }
        return null;
    }
}
