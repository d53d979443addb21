// One run at a time: a schedule's kills and restarts need the machine's attention to converge in
// time, and the zk and kraft runs side by side starved each other on two cores.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
