// The zk and kraft runs (a collection each, by class) go side by side: most of their time is spent
// waiting for sessions to expire and elections to happen, so the two share the machine well, and
// together they fit the CI budget. Tests within one class still run one at a time.
[assembly: CollectionBehavior(CollectionBehavior.CollectionPerClass, MaxParallelThreads = 2)]
