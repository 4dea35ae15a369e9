/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright (c) 2026 The vsvm authors
 */
#ifndef __VSVM_TLB_H__
#define __VSVM_TLB_H__

#include <linux/types.h>

#define VSVM_TLB_DEFAULT_ENTRIES	64
#define VSVM_TLB_DEFAULT_WAYS		4
#define VSVM_TLB_MAX_ENTRIES		65536
#define VSVM_TLB_MAX_WAYS		16

/**
 * struct vsvm_tlb_entry - one cached translation
 * @tag: virtual page number in units of the entry's size
 *	(va >> (12 + @order))
 * @pfn: first frame of the page
 * @last_used: value of &vsvm_tlb.clock at the last insert or hit, for LRU
 * @order: 0 (4 KiB) or 9 (2 MiB)
 * @valid: the entry holds a translation
 * @writable: writes may use the entry
 */
struct vsvm_tlb_entry {
	u64 tag;
	unsigned long pfn;
	u64 last_used;
	u8 order;
	bool valid;
	bool writable;
};

/**
 * struct vsvm_tlb_stats - TLB event counters, never reset
 * @hits: lookups answered by an entry
 * @misses: lookups that found no entry, or only a read-only one for a write
 * @evictions: valid entries replaced by an insert of another page
 * @range_invalidations: calls of vsvm_tlb_invalidate_range() with a
 *	non-empty range
 * @invalidated: entries removed by range invalidations
 * @flushes: calls of vsvm_tlb_flush_all()
 */
struct vsvm_tlb_stats {
	u64 hits;
	u64 misses;
	u64 evictions;
	u64 range_invalidations;
	u64 invalidated;
	u64 flushes;
};

/**
 * struct vsvm_tlb - a set-associative software TLB
 * @entries: @nr_sets * @ways entries, set by set
 * @nr_sets: number of sets, a power of two
 * @ways: entries per set, a power of two
 * @clock: counts inserts and hits; stamps &vsvm_tlb_entry.last_used
 * @stats: event counters
 *
 * Not locked: see DOC: Device TLB.
 */
struct vsvm_tlb {
	struct vsvm_tlb_entry *entries;
	unsigned int nr_sets;
	unsigned int ways;
	u64 clock;
	struct vsvm_tlb_stats stats;
};

/**
 * struct vsvm_tlb_result - a translation the TLB returned
 * @pfn: frame of the 4 KiB page that contains the looked-up address
 * @order: size of the entry that held it: 0 (4 KiB) or 9 (2 MiB)
 * @writable: writes may use the translation
 */
struct vsvm_tlb_result {
	unsigned long pfn;
	unsigned int order;
	bool writable;
};

int vsvm_tlb_init(struct vsvm_tlb *tlb, unsigned int nr_entries,
		  unsigned int ways);
int vsvm_tlb_resize(struct vsvm_tlb *tlb, unsigned int nr_entries,
		    unsigned int ways);
void vsvm_tlb_fini(struct vsvm_tlb *tlb);

bool vsvm_tlb_lookup(struct vsvm_tlb *tlb, u64 va, bool write,
		     struct vsvm_tlb_result *out);
void vsvm_tlb_insert(struct vsvm_tlb *tlb, u64 va, unsigned long pfn,
		     unsigned int order, bool writable);
void vsvm_tlb_invalidate_range(struct vsvm_tlb *tlb, u64 start, u64 end);
void vsvm_tlb_flush_all(struct vsvm_tlb *tlb);

#endif /* __VSVM_TLB_H__ */
