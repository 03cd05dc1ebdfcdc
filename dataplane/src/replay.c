/* Anti-replay window (RFC 4303 3.4.3, bitmap as in RFC 6479) over 64-bit sequence numbers.
 *
 * The bitmap holds at least window + 64 bits, rounded up to a power of two, so sliding the
 * window only clears whole 64-bit words and never needs a shift. Bit (seq % nbits) stands for
 * seq while seq is within the window below top. */
#include <string.h>

#include "internal.h"

static uint32_t replay_words(uint32_t window)
{
	uint32_t words = 2;
	while (words * 64 < window + 64)
		words *= 2;
	return words;
}

size_t replay_size(uint32_t window)
{
	return sizeof(struct replay) + replay_words(window) * sizeof(uint64_t);
}

void replay_init(struct replay *r, uint32_t window, uint64_t top)
{
	uint32_t words = replay_words(window);
	r->window = window;
	r->word_mask = words - 1;
	r->top = top;
	memset(r->bits, 0, words * sizeof(uint64_t));
	/* Sequence number 0 is never sent: mark it as seen. Resuming from top, treat everything
	 * up to top as seen, the safe side. */
	if (top == 0)
		r->bits[0] = 1;
	else
		memset(r->bits, 0xff, words * sizeof(uint64_t));
}

static inline int seen(const struct replay *r, uint64_t seq)
{
	return (r->bits[(seq >> 6) & r->word_mask] >> (seq & 63)) & 1;
}

int replay_check(const struct replay *r, uint64_t seq)
{
	if (r->window == 0)
		return seq == 0 ? ESP_DP_DROP_replay : 0;
	if (seq > r->top)
		return 0;
	if (r->top - seq >= r->window)
		return ESP_DP_DROP_replay_too_old;
	return seen(r, seq) ? ESP_DP_DROP_replay : 0;
}

int replay_update(struct replay *r, uint64_t seq)
{
	int verdict = replay_check(r, seq);
	if (verdict)
		return verdict;
	if (seq > r->top) {
		uint64_t top_word = r->top >> 6, new_word = seq >> 6;
		uint64_t n = new_word - top_word;
		if (n > r->word_mask + 1ull)
			n = r->word_mask + 1ull;
		for (uint64_t i = 1; i <= n; i++)
			r->bits[(top_word + i) & r->word_mask] = 0;
		__atomic_store_n(&r->top, seq, __ATOMIC_RELAXED);	/* read unlocked (esp_inbound.c) */
	}
	r->bits[(seq >> 6) & r->word_mask] |= 1ull << (seq & 63);
	return 0;
}

uint64_t replay_infer_esn(const struct replay *r, uint32_t seq_low)
{
	uint32_t w = r->window ? r->window : 1;
	uint32_t tl = (uint32_t)r->top, th = (uint32_t)(r->top >> 32);
	uint32_t bottom = tl - w + 1;	/* wraps when the window straddles a 2^32 boundary */
	uint32_t hi;
	if (tl >= w - 1)
		hi = seq_low >= bottom ? th : th + 1;
	else
		hi = seq_low >= bottom ? th - 1 : th;
	return ((uint64_t)hi << 32) | seq_low;
}

void replay_export(const struct replay *r, uint32_t *out, uint32_t words)
{
	memset(out, 0, words * sizeof(uint32_t));
	for (uint64_t i = 0; i < r->window && i < 32ull * words && i <= r->top; i++)
		if (seen(r, r->top - i))
			out[i / 32] |= 1u << (i % 32);
}
