// Lock episodes: once a second the launcher reads the lock manager, and every
// wait on a heavyweight lock that has lasted hastecrm_perf.lock_episode_ms
// becomes one episode in the shared ring (one per waiter and wait: the same
// waiter and wait start is the same episode, however many samples see it),
// with the root of its blocking tree. A wait no longer seen has ended: the
// next snapshot writes it. Its duration is what the samples saw (at most a
// second short).
#pragma once

namespace hastecrm_perf::history {

// The launcher's history duties, called on every turn of its loop: samples
// the locks when a second has passed, and gives the statement baseline back
// when history is off. Returns the longest the launcher may sleep, in ms,
// before calling again.
long history_launcher_tick();

}  // namespace hastecrm_perf::history
