/* SPDX-License-Identifier: MIT */
/*
 * <linux/prandom.h> for the host KUnit runner: a seeded generator (not the
 * kernel's sequence; the suite needs determinism, not particular values).
 */
#include "../../../../src/emu/shim/vsvm_kshim.h"

struct rnd_state {
	u64 s;
};

static inline void prandom_seed_state(struct rnd_state *state, u64 seed)
{
	state->s = seed;
}

/* splitmix64 */
static inline u32 prandom_u32_state(struct rnd_state *state)
{
	u64 z = (state->s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return (u32)(z ^ (z >> 31));
}
