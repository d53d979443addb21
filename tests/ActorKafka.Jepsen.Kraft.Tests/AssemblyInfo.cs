// One run at a time in this process: a schedule's kills and restarts need the machine's attention
// to converge in time. The other mode's runs are in their own test project, hence their own process.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
