/*
 * session: a compiled recipe loaded into the kernel and attached (the
 * "AttachedProbe" layer). Owns the bpf_object, the links and the perf
 * event fds, and releases them in reverse order.
 *
 * Stopping is split in two because the kernel makes detaching slow:
 * closing a tracepoint perf event waits for an RCU grace period, about
 * 50 ms each, so 360 probes take ~19 s to release. session_stop()
 * disables every event first (~1 ms for all), after which the maps are
 * final and the report can be printed at once; session_close() then
 * releases, and with `defer` hands that slow part to a detached child
 * process so the user gets the prompt back immediately. A failed attach
 * releases what it had attached the same way.
 */
#ifndef RECIPE_RUN_SESSION_H
#define RECIPE_RUN_SESSION_H

#include <stdbool.h>
#include <stddef.h>

#include "check/plan.h"
#include "diag.h"
#include "report/report.h"

struct session;

/*
 * Open the object from memory, write the plan's run-time values into
 * its read-only config, and load it. On a verifier rejection, the
 * diagnostic carries the tail of the verifier log.
 */
int session_load(const struct plan *p, const void *obj, size_t len,
		 struct session **out, struct diag_list *d);
/* Attach every attach point; on failure nothing stays attached. */
int session_attach(struct session *s, struct diag_list *d);
size_t session_attached(const struct session *s);
/* Points of patterns that could not take a probe and were skipped (warned in d). */
size_t session_skipped(const struct session *s);
/*
 * A descriptor that becomes readable when the programs have news for
 * user space (a process whose user stack must be symbolized), or -1;
 * session_poll_events() handles it. Poll it while tracing.
 */
int session_event_fd(const struct session *s);

/* A print recipe's event, decoded: parts[0..n) are its args' values. */
typedef void (*session_event_fn)(void *ctx, const struct report_key_part *parts,
				 unsigned n);
/* Where a print recipe's events go (set before attaching). */
void session_set_event_sink(struct session *s, session_event_fn fn, void *ctx);
/* Read pid's memory map now, if its user addresses may need names (the -c command). */
void session_note_process(struct session *s, pid_t pid);
void session_poll_events(struct session *s);
/* Disable every event: nothing more is counted. Fast, idempotent. */
void session_stop(struct session *s);
/*
 * Read the map into a new report. With `clear` (--interval), the next
 * report shows only what is new after this one, exactly: additive
 * aggregations report differences and keep their active keys (maps.h);
 * a report after a clearing one, cleared or not, shows what came since.
 */
int session_snapshot(struct session *s, bool clear, struct report **out,
		     struct diag_list *d);
/*
 * Detach and free. With defer (and many events), the slow release runs
 * in a detached child once this function has dropped this process's
 * references; the probes are disabled throughout.
 */
void session_close(struct session *s, bool defer);

#endif
