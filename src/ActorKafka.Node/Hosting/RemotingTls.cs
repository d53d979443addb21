using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ActorKafka.Node.Hosting;

/// <summary>
/// TLS for Akka remoting as actorkafka.node.tls (or the ACTORKAFKA_TLS_* variables) resolved it:
/// the one mapping onto akka.remote.dot-netty.tcp's SSL keys, shared by nodes and the CLI's client
/// systems so both speak the same protocol.
/// </summary>
public sealed record RemotingTls(string CertificatePath, string CertificatePassword, bool SuppressValidation)
{
    /// <summary>
    /// Akka's DotNetty transport names its scheme ssl.tcp once SSL is on, so every address of a TLS
    /// node starts akka.ssl.tcp:// and a plain-TCP system has no transport for it.
    /// </summary>
    public const string AddressProtocol = "akka.ssl.tcp";

    public const string PlainAddressProtocol = "akka.tcp";

    public static string ProtocolOf(RemotingTls? tls) => tls is null ? PlainAddressProtocol : AddressProtocol;

    /// <summary>
    /// The transport's keys for <paramref name="tls"/>; off is written out too, so that these
    /// resolved settings win over whatever else a file says under akka.remote.
    /// </summary>
    public static string Hocon(RemotingTls? tls)
    {
        if (tls is null) return "akka.remote.dot-netty.tcp.enable-ssl = off";
        // Mutual authentication (Akka's default) stays on: a node accepts only peers that present a
        // certificate it trusts, so the CLI needs the certificate as much as the nodes do.
        return $"""
            akka.remote.dot-netty.tcp.enable-ssl = on
            akka.remote.dot-netty.tcp.ssl.certificate.path = {NodeConfig.Quote(tls.CertificatePath)}
            akka.remote.dot-netty.tcp.ssl.certificate.password = {NodeConfig.Quote(tls.CertificatePassword)}
            akka.remote.dot-netty.tcp.ssl.certificate.use-thumbprint-over-file = off
            akka.remote.dot-netty.tcp.ssl.suppress-validation = {(tls.SuppressValidation ? "on" : "off")}
            akka.remote.dot-netty.tcp.ssl.require-mutual-authentication = on
            """;
    }

    /// <summary>
    /// Opens the certificate the way the transport will, so a missing file, a wrong password or a
    /// certificate without its private key stops a start with a message instead of failing the
    /// transport deep inside ActorSystem.Create. Null when it opens; <paramref name="withPassword"/>
    /// says which password was tried.
    /// </summary>
    public static string? CertificateProblem(string path, string password, string withPassword)
    {
        if (!File.Exists(path)) return $"{path}: not found";
        try
        {
            using var certificate = X509CertificateLoader.LoadPkcs12FromFile(path, password);
            return certificate.HasPrivateKey
                ? null
                : $"{path}: holds no private key; export the certificate together with its key (openssl pkcs12 -export -inkey KEY -in CERT)";
        }
        catch (CryptographicException e)
        {
            return $"{path}: cannot be opened as a PKCS#12 (.pfx) file with {withPassword}: {e.Message.TrimEnd('.')}";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"{path}: cannot be read ({e.Message.TrimEnd('.')})";
        }
    }
}
