// Two test classes at a time: a cluster test mostly waits (sessions expiring, elections, rejoins),
// so two share the two cores well and the suite fits its time budget. Tests within a class run one
// at a time; every test uses free ports and its own data directory.
[assembly: CollectionBehavior(CollectionBehavior.CollectionPerClass, MaxParallelThreads = 2)]
