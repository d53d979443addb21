// One run at a time: each starts five node processes, and two runs side by side starve each other on two cores.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
