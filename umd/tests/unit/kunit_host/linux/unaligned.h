/* SPDX-License-Identifier: MIT */
/* <linux/unaligned.h> for the host KUnit runner (a little-endian host). */
#include "../../../../src/emu/shim/vsvm_kshim.h"

#define KUNIT_HOST_UNALIGNED(n)							\
	static inline u##n get_unaligned_le##n(const void *p)			\
	{									\
		u##n v;								\
		memcpy(&v, p, sizeof(v));					\
		return v;							\
	}									\
	static inline void put_unaligned_le##n(u##n v, void *p)			\
	{									\
		memcpy(p, &v, sizeof(v));					\
	}
KUNIT_HOST_UNALIGNED(16)
KUNIT_HOST_UNALIGNED(32)
KUNIT_HOST_UNALIGNED(64)
#undef KUNIT_HOST_UNALIGNED
