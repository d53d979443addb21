using System.Net;
using System.Net.Sockets;

namespace ActorKafka.Testing;

/// <summary>A loopback port nothing listens on right now: for an address that must not answer, or a node whose address must be known before it starts.</summary>
public static class FreePorts
{
    public static int Next()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
