/* Reading an SA that several workers count into (see sa_shared.h). */
#include <string.h>

#include "sa_shared.h"

void sa_counters_sum(const struct sa *sa, struct sa_counters *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned k = 0; k < DP_COUNTER_SLOTS; k++) {
		const struct sa_counters *c = &sa->rt->c[k];
		out->packets += c->packets;
		out->bytes += c->bytes;
		out->last_used = c->last_used > out->last_used ? c->last_used : out->last_used;
		for (unsigned r = 0; r < ESP_DP_DROP_MAX; r++)
			out->drops[r] += c->drops[r];
	}
}
