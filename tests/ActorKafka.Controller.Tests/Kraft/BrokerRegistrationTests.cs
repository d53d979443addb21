using ActorKafka.Metadata;
using ActorKafka.Metadata.Records;

namespace ActorKafka.Controller.Tests.Kraft;

/// <summary>RegisterBroker: the broker epoch is the record's offset; a live other incarnation is a duplicate.</summary>
public sealed class BrokerRegistrationTests
{
    private static CoreHarness Harness(int maxRecordsPerBatch = 5000) =>
        new(new KraftImageBuilder()
            .Brokers(1, 2, 3)
            .Partition("t", 0, [1, 2, 3], [1, 2, 3], 1)
            .Partition("t", 1, [2, 1, 3], [2, 1, 3], 2)
            .Partition("u", 0, [1], [1], 1)
            .Build(), maxRecordsPerBatch: maxRecordsPerBatch);

    [Fact]
    public void A_registration_writes_a_fenced_RegisterBroker_record_and_the_broker_epoch_is_its_offset()
    {
        var h = Harness();
        var result = h.Register(4, rack: "r1");

        var record = Assert.IsType<RegisterBrokerRecord>(Assert.Single(Assert.Single(result.Batches)));
        Assert.Equal(ControlError.None, result.Response.Error);
        Assert.Equal(h.Image.Offset, result.Response.BrokerEpoch);
        Assert.Equal(h.Log[^1].Offset, record.BrokerEpoch);
        Assert.Equal(result.Response.BrokerEpoch, record.BrokerEpoch);
        Assert.True(record.Fenced);
        Assert.Equal("r1", record.Rack);
        var endpoint = Assert.Single(record.EndPoints);
        Assert.Equal(KraftImageBuilder.Endpoint(4), endpoint);
        var broker = h.Broker(4);
        Assert.True(broker.Fenced);
        Assert.Equal(KraftImageBuilder.Endpoint(4).Host, broker.ToBrokerInfo().ActorAddress);
    }

    [Fact]
    public void Another_incarnation_is_refused_while_the_registered_one_has_a_live_session()
    {
        var h = Harness();
        h.Now += CoreHarness.SessionTimeoutMs; // the deadline itself is still live
        var result = h.Register(1, incarnation: Guid.NewGuid());

        Assert.Equal(ControlError.DuplicateBrokerRegistration, result.Response.Error);
        Assert.Empty(result.Batches);
        Assert.Equal(h.Start, h.Image);
    }

    [Fact]
    public void The_same_incarnation_may_register_again_and_gets_a_new_epoch()
    {
        var h = Harness();
        var first = h.Register(4).Response.BrokerEpoch;
        var second = h.Register(4).Response;
        Assert.Equal(ControlError.None, second.Error);
        Assert.True(second.BrokerEpoch > first);
        Assert.Equal(second.BrokerEpoch, h.Broker(4).Epoch);
    }

    [Fact]
    public void Once_its_session_has_run_out_a_new_incarnation_replaces_the_broker_and_it_leaves_leaderships_and_isrs()
    {
        var h = Harness();
        h.Now += CoreHarness.SessionTimeoutMs + 1;
        foreach (var id in new[] { 2, 3 }) h.Heartbeat(id); // only broker 1 went quiet, and it is not fenced yet
        var incarnation = Guid.NewGuid();
        var result = h.Register(1, incarnation);

        Assert.Equal(ControlError.None, result.Response.Error);
        Assert.Equal(incarnation, h.Broker(1).IncarnationId);
        Assert.True(h.Broker(1).Fenced);
        Assert.Equal(result.Response.BrokerEpoch, h.Broker(1).Epoch);
        // It led t-0: a new leader from the ISR; it left t-1's ISR; it stays the last member of u-0, which has no leader now.
        Assert.Equal(2, h.Partition("t", 0).Leader);
        Assert.Equal([2, 3], h.Partition("t", 0).Isr.ToArray());
        Assert.Equal([2, 3], h.Partition("t", 1).Isr.ToArray());
        Assert.Equal(PartitionChangeRecord.NoLeader, h.Partition("u", 0).Leader);
        Assert.Equal([1], h.Partition("u", 0).Isr.ToArray());
        Assert.IsType<RegisterBrokerRecord>(CoreHarness.Records(result)[^1]);
    }

    [Fact]
    public void A_fenced_broker_registering_again_leaves_its_partitions_as_they_are()
    {
        var h = Harness();
        h.Now += CoreHarness.SessionTimeoutMs + 1;
        foreach (var id in new[] { 2, 3 }) h.Heartbeat(id);
        h.FenceExpired();
        var before = h.Image.Topics;

        var result = h.Register(1, Guid.NewGuid());
        Assert.IsType<RegisterBrokerRecord>(Assert.Single(CoreHarness.Records(result)));
        Assert.Equal(before, h.Image.Topics);
        Assert.Equal([1], h.Partition("u", 0).Isr.ToArray());
    }

    [Fact]
    public void The_broker_epoch_is_the_offset_of_the_batch_holding_the_registration_when_a_result_spans_batches()
    {
        // Re-registering an unfenced broker writes its partition changes first, two records per batch.
        var h = Harness(maxRecordsPerBatch: 2);
        var result = h.Register(1);

        Assert.True(result.Batches.Count >= 2);
        var index = result.Batches.ToList().FindIndex(b => b.OfType<RegisterBrokerRecord>().Any());
        Assert.Equal(h.Log[h.Log.Count - result.Batches.Count + index].Offset, result.Response.BrokerEpoch);
        Assert.Equal(result.Response.BrokerEpoch, h.Broker(1).Epoch);
        Assert.All(result.Batches, b => Assert.InRange(b.Count, 1, 2));
    }

    [Fact]
    public void A_registration_without_an_id_or_an_address_is_refused()
    {
        var h = Harness();
        var badId = h.Do(c => c.RegisterBroker(new BrokerRegistrationRequest(1, -1, Guid.NewGuid(), "akka.tcp://a@h:1", null), h.Now));
        var noAddress = h.Do(c => c.RegisterBroker(new BrokerRegistrationRequest(1, 9, Guid.NewGuid(), "", null), h.Now));
        Assert.Equal(ControlError.InvalidRequest, badId.Response.Error);
        Assert.Equal(ControlError.InvalidRequest, noAddress.Response.Error);
        Assert.Empty(badId.Batches);
        Assert.Empty(noAddress.Batches);
    }
}
