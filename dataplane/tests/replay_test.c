/* The replay window against a reference model, over whole windows and random traffic.
 *
 * For each window size: every position below the top is a replay after it was received and
 * acceptable before; the first seq below the window is too old; random reordering, jumps
 * and duplicates are judged exactly as a set-of-seen + top model judges them; ESN inference
 * picks the high word RFC 4303 A2.2 says. Prints one line per window, exits 1 on a mismatch. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static int failures;

#define EXPECT(cond, ...)                                   \
	do {                                                \
		if (!(cond)) {                              \
			if (failures++ < 20)                \
				fprintf(stderr, __VA_ARGS__); \
		}                                           \
	} while (0)

/* the model: a byte per sequence number in [0, span) */
static int model_verdict(const unsigned char *seen, uint64_t top, uint32_t w, uint64_t seq)
{
	if (w == 0)
		return seq == 0 ? ESP_DP_DROP_replay : 0;
	if (seq > top)
		return 0;
	if (top - seq >= w)
		return ESP_DP_DROP_replay_too_old;
	return seen[seq] ? ESP_DP_DROP_replay : 0;
}

static uint64_t rnd(void)
{
	return ((uint64_t)rand() << 31) ^ (uint64_t)rand();
}

static void whole_window(uint32_t w)
{
	struct replay *r = calloc(1, replay_size(w));
	replay_init(r, w, 0);
	uint64_t top = 3ull * w + 5;
	for (uint64_t s = 1; s <= top; s++)
		EXPECT(replay_update(r, s) == 0, "w=%u: fresh %llu refused\n", w, (unsigned long long)s);
	for (uint64_t back = 0; back < w; back++)
		EXPECT(replay_check(r, top - back) == ESP_DP_DROP_replay, "w=%u: replay at position %llu accepted\n", w,
		       (unsigned long long)back);
	EXPECT(replay_check(r, top - w) == ESP_DP_DROP_replay_too_old, "w=%u: first seq below the window\n", w);
	/* a window with holes: every other seq missing, then filled exactly once */
	replay_init(r, w, 0);
	uint64_t hi = 2ull * w + 1;
	EXPECT(replay_update(r, hi) == 0, "w=%u: jump refused\n", w);
	for (uint64_t s = hi - w + 1; s < hi; s++) {
		EXPECT(replay_update(r, s) == 0, "w=%u: hole %llu refused\n", w, (unsigned long long)s);
		EXPECT(replay_update(r, s) == ESP_DP_DROP_replay, "w=%u: hole %llu twice\n", w, (unsigned long long)s);
	}
	free(r);
}

static void random_traffic(uint32_t w, unsigned rounds)
{
	uint64_t span = 1ull << 26;
	unsigned char *seen = calloc(span + 1, 1);
	struct replay *r = calloc(1, replay_size(w));
	replay_init(r, w, 0);
	seen[0] = 1;
	uint64_t top = 0;
	for (unsigned i = 0; i < rounds; i++) {
		uint64_t seq;
		switch (rnd() % 4) {
		case 0: /* near the top, both sides */
			seq = top + (rnd() % (2ull * w + 3)) - (w + 1);
			break;
		case 1: /* a jump ahead inside the window, now and then beyond the whole bitmap */
			seq = top + 1 + (rnd() % 16 ? rnd() % (w / 2 + 70) : rnd() % (4ull * w + 130));
			break;
		case 2: /* an exact replay of something recent */
			seq = top - rnd() % (w + 1ull);
			break;
		default:
			seq = top + 1;
		}
		if ((int64_t)seq < 0)
			continue;
		if (seq > span)
			break;
		int want = model_verdict(seen, top, w, seq);
		int got = replay_update(r, seq);
		EXPECT(got == want, "w=%u round %u: seq %llu top %llu: got %d want %d\n", w, i, (unsigned long long)seq,
		       (unsigned long long)top, got, want);
		if (want == 0) {
			seen[seq] = 1;
			if (seq > top)
				top = seq;
		}
	}
	free(seen);
	free(r);
}

static void esn_inference(uint32_t w)
{
	struct replay *r = calloc(1, replay_size(w));
	replay_init(r, w, 0x1ffffff00ull);	/* top = 0x1_ffffff00 */
	EXPECT(replay_infer_esn(r, 0xffffff01) == 0x1ffffff01ull, "w=%u: same word ahead\n", w);
	EXPECT(replay_infer_esn(r, 0x00000005) == 0x200000005ull, "w=%u: wrapped ahead\n", w);
	EXPECT(replay_infer_esn(r, 0xffffff00 - (w - 1)) == 0x1ffffff00ull - (w - 1), "w=%u: window bottom\n", w);
	replay_init(r, w, 0x200000002ull);	/* just past the boundary: window straddles it */
	if (w > 3)
		EXPECT(replay_infer_esn(r, 0xffffffff) == 0x1ffffffffull, "w=%u: behind across 2^32\n", w);
	EXPECT(replay_infer_esn(r, 0x10) == 0x200000010ull, "w=%u: ahead after 2^32\n", w);
	free(r);
}

int main(void)
{
	static const uint32_t windows[] = { 1, 32, 64, 65, 1000, 1024, 4096, 32768 };
	srand(4303);
	for (size_t i = 0; i < sizeof(windows) / sizeof(windows[0]); i++) {
		uint32_t w = windows[i];
		int before = failures;
		whole_window(w);
		random_traffic(w, 200000);
		esn_inference(w);
		printf("window %u: %s\n", w, failures == before ? "ok" : "FAILED");
	}
	return failures ? 1 : 0;
}
