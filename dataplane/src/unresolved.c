/* Next hops the dataplane had no MAC for. Workers note them (lock-free, bounded, deduplicated
 * by open addressing over a few slots); the agent drains them with esp_dp_unresolved and asks
 * the kernel to resolve them on the exception TAP. A full table forgets: the next dropped
 * packet notes the next hop again, so nothing is lost for good and no worker ever waits. */
#include <errno.h>
#include <stdatomic.h>
#include <string.h>

#include <rte_jhash.h>

#include "internal.h"

#define UNRES_SLOTS	64	/* a power of two */
#define UNRES_PROBE	4

enum { SLOT_EMPTY, SLOT_WRITING, SLOT_FULL };

static struct {
	_Atomic uint32_t state;
	uint16_t port;
	uint8_t family;
	uint8_t ip[16];
} slots[UNRES_SLOTS];

void unresolved_note(uint8_t family, const uint8_t *ip, uint16_t port)
{
	unsigned len = family == 4 ? 4 : 16;
	uint32_t h = rte_jhash(ip, len, port);
	for (unsigned k = 0; k < UNRES_PROBE; k++) {
		__typeof__(slots[0]) *s = &slots[(h + k) & (UNRES_SLOTS - 1)];
		uint32_t st = atomic_load_explicit(&s->state, memory_order_acquire);
		if (st == SLOT_FULL && s->port == port && s->family == family && dp_addr_eq(s->ip, ip, family))
			return;	/* already noted: the common case while a next hop stays unresolved */
		uint32_t empty = SLOT_EMPTY;
		if (st == SLOT_EMPTY &&
		    atomic_compare_exchange_strong_explicit(&s->state, &empty, SLOT_WRITING, memory_order_acquire,
							    memory_order_relaxed)) {
			s->port = port;
			s->family = family;
			memset(s->ip, 0, sizeof(s->ip));
			memcpy(s->ip, ip, len);
			atomic_store_explicit(&s->state, SLOT_FULL, memory_order_release);
			return;
		}
	}
}

int esp_dp_unresolved(struct esp_dp_nexthop *out, uint32_t cap)
{
	dp_clear_error();
	if (cap && !out)
		return dp_fail(EINVAL, "out: NULL");
	uint32_t n = 0;
	for (unsigned k = 0; k < UNRES_SLOTS && n < cap; k++) {
		if (atomic_load_explicit(&slots[k].state, memory_order_acquire) != SLOT_FULL)
			continue;
		struct esp_dp_nexthop *h = &out[n++];
		memset(h, 0, sizeof(*h));
		h->ip.family = slots[k].family;
		h->ip.prefix_len = slots[k].family == 4 ? 32 : 128;
		memcpy(h->ip.addr, slots[k].ip, 16);
		h->port_id = slots[k].port;
		atomic_store_explicit(&slots[k].state, SLOT_EMPTY, memory_order_release);
	}
	return (int)n;
}
