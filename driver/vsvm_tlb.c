// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (c) 2026 The vsvm authors
 */

#include <linux/array_size.h>
#include <linux/bits.h>
#include <linux/bug.h>
#include <linux/errno.h>
#include <linux/log2.h>
#include <linux/slab.h>
#include <linux/string.h>

#include <kunit/visibility.h>

#include "vsvm_tlb.h"

/**
 * DOC: Device TLB
 *
 * Each engine caches translations in its own TLB, a set-associative array of
 * entries in sets of equal size (the number of entries and the ways per set
 * are powers of two; one way is direct-mapped, as many ways as entries fully
 * associative). An entry
 * caches one 4 KiB or one 2 MiB page: its tag is the virtual page number in
 * units of its own size, and its set is the low bits of that tag, so a 2 MiB
 * page occupies one entry, not 512. A lookup probes the set of the address's
 * 4 KiB page number, then the set of its 2 MiB page number. Within a set an
 * insert refreshes an entry for the same page, else fills a free way, else
 * evicts the least recently used way.
 *
 * A lookup for a write that finds a read-only entry is a miss: the engine
 * walks the page table again (vsvm_pt_touch() with write set, which also sets
 * DIRTY) and the insert upgrades the entry in place. An engine therefore
 * inserts an entry as writable only when the walk found the leaf writable and
 * dirty.
 *
 * vsvm_tlb_invalidate_range() removes exactly the entries whose page overlaps
 * the range, a 2 MiB entry that overlaps it only partly included; it scans all
 * entries, which for a TLB of a few hundred entries costs less than probing
 * the sets of every page of a large range.
 *
 * There is no lock inside. The TLB belongs to its engine, which serialises
 * lookups and inserts. The invalidation path calls
 * vsvm_tlb_invalidate_range() or vsvm_tlb_flush_all() only once the engine
 * cannot use the TLB concurrently (it waits for the engine, or holds the lock
 * the engine takes around its translations), and must do so before the pages
 * of the range can be freed.
 */

#define VSVM_TLB_PAGE_SHIFT	12
#define VSVM_TLB_HUGE_ORDER	9

static unsigned int vsvm_tlb_set(const struct vsvm_tlb *tlb, u64 tag)
{
	return tag & (tlb->nr_sets - 1);
}

static struct vsvm_tlb_entry *vsvm_tlb_find(struct vsvm_tlb *tlb, u64 va,
					    unsigned int order)
{
	u64 tag = va >> (VSVM_TLB_PAGE_SHIFT + order);
	struct vsvm_tlb_entry *e =
		&tlb->entries[vsvm_tlb_set(tlb, tag) * tlb->ways];
	unsigned int way;

	for (way = 0; way < tlb->ways; way++, e++)
		if (e->valid && e->order == order && e->tag == tag)
			return e;
	return NULL;
}

/**
 * vsvm_tlb_resize() - change the geometry of a TLB
 * @tlb: the TLB, idle
 * @nr_entries: number of entries, a power of two up to
 *	%VSVM_TLB_MAX_ENTRIES
 * @ways: entries per set, a power of two up to %VSVM_TLB_MAX_WAYS and
 *	@nr_entries
 *
 * Allocates the new entries (GFP_KERNEL) and drops every cached translation;
 * the counters are kept. On failure the TLB is unchanged.
 *
 * Return: 0 on success, -EINVAL for a bad geometry, -ENOMEM.
 */
int vsvm_tlb_resize(struct vsvm_tlb *tlb, unsigned int nr_entries,
		    unsigned int ways)
{
	struct vsvm_tlb_entry *entries;

	if (!is_power_of_2(nr_entries) || nr_entries > VSVM_TLB_MAX_ENTRIES ||
	    !is_power_of_2(ways) || ways > VSVM_TLB_MAX_WAYS ||
	    ways > nr_entries)
		return -EINVAL;

	entries = kvcalloc(nr_entries, sizeof(*entries), GFP_KERNEL);
	if (!entries)
		return -ENOMEM;
	kvfree(tlb->entries);
	tlb->entries = entries;
	tlb->nr_sets = nr_entries / ways;
	tlb->ways = ways;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_tlb_resize);

/**
 * vsvm_tlb_init() - set up an empty TLB
 * @tlb: the TLB
 * @nr_entries: number of entries (see vsvm_tlb_resize())
 * @ways: entries per set
 *
 * Return: 0 on success, -EINVAL for a bad geometry, -ENOMEM.
 */
int vsvm_tlb_init(struct vsvm_tlb *tlb, unsigned int nr_entries,
		  unsigned int ways)
{
	memset(tlb, 0, sizeof(*tlb));
	return vsvm_tlb_resize(tlb, nr_entries, ways);
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_tlb_init);

/**
 * vsvm_tlb_fini() - free a TLB
 * @tlb: the TLB, no longer used
 */
void vsvm_tlb_fini(struct vsvm_tlb *tlb)
{
	kvfree(tlb->entries);
	tlb->entries = NULL;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_tlb_fini);

/**
 * vsvm_tlb_lookup() - translate an address from the TLB
 * @tlb: the TLB, owned by the caller
 * @va: device virtual address
 * @write: the access is a write
 * @out: filled on a hit
 *
 * Return: true on a hit; false when no entry maps @va, or when @write is set
 * and the entry that maps @va is read-only.
 */
bool vsvm_tlb_lookup(struct vsvm_tlb *tlb, u64 va, bool write,
		     struct vsvm_tlb_result *out)
{
	static const unsigned int orders[] = { 0, VSVM_TLB_HUGE_ORDER };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(orders); i++) {
		unsigned int order = orders[i];
		struct vsvm_tlb_entry *e = vsvm_tlb_find(tlb, va, order);

		if (!e)
			continue;
		if (write && !e->writable)
			break;
		e->last_used = ++tlb->clock;
		tlb->stats.hits++;
		out->order = order;
		out->pfn = e->pfn +
			((va >> VSVM_TLB_PAGE_SHIFT) & (BIT(order) - 1));
		out->writable = e->writable;
		return true;
	}
	tlb->stats.misses++;
	return false;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_tlb_lookup);

/**
 * vsvm_tlb_insert() - cache a translation
 * @tlb: the TLB, owned by the caller
 * @va: any address inside the page
 * @pfn: frame of the 4 KiB page that contains @va (as vsvm_pt_touch()
 *	reports it)
 * @order: 0 (4 KiB page) or 9 (2 MiB page)
 * @writable: writes may use the translation
 *
 * Replaces an entry for the same page, else takes a free way of the set, else
 * evicts the set's least recently used entry.
 */
void vsvm_tlb_insert(struct vsvm_tlb *tlb, u64 va, unsigned long pfn,
		     unsigned int order, bool writable)
{
	u64 tag = va >> (VSVM_TLB_PAGE_SHIFT + order);
	struct vsvm_tlb_entry *set, *victim;
	unsigned int way;

	if (WARN_ON_ONCE(order != 0 && order != VSVM_TLB_HUGE_ORDER))
		return;

	victim = vsvm_tlb_find(tlb, va, order);
	if (!victim) {
		set = &tlb->entries[vsvm_tlb_set(tlb, tag) * tlb->ways];
		victim = set;
		for (way = 0; way < tlb->ways; way++) {
			if (!set[way].valid) {
				victim = &set[way];
				break;
			}
			if (set[way].last_used < victim->last_used)
				victim = &set[way];
		}
		if (victim->valid)
			tlb->stats.evictions++;
	}

	victim->tag = tag;
	victim->pfn = pfn - ((va >> VSVM_TLB_PAGE_SHIFT) & (BIT(order) - 1));
	victim->order = order;
	victim->writable = writable;
	victim->valid = true;
	victim->last_used = ++tlb->clock;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_tlb_insert);

/**
 * vsvm_tlb_invalidate_range() - drop the translations of a range
 * @tlb: the TLB, not in use by its engine
 * @start: first byte of the range
 * @end: end of the range (exclusive)
 *
 * Removes every entry whose page overlaps [@start, @end), and no other.
 */
void vsvm_tlb_invalidate_range(struct vsvm_tlb *tlb, u64 start, u64 end)
{
	unsigned int nr = tlb->nr_sets * tlb->ways;
	struct vsvm_tlb_entry *e;

	if (start >= end)
		return;
	tlb->stats.range_invalidations++;
	for (e = tlb->entries; e < tlb->entries + nr; e++) {
		unsigned int shift = VSVM_TLB_PAGE_SHIFT + e->order;
		u64 page_start = e->tag << shift;

		if (e->valid && page_start < end &&
		    start <= page_start + (BIT_ULL(shift) - 1)) {
			e->valid = false;
			tlb->stats.invalidated++;
		}
	}
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_tlb_invalidate_range);

/**
 * vsvm_tlb_flush_all() - drop every translation
 * @tlb: the TLB, not in use by its engine
 */
void vsvm_tlb_flush_all(struct vsvm_tlb *tlb)
{
	unsigned int nr = tlb->nr_sets * tlb->ways;
	unsigned int i;

	for (i = 0; i < nr; i++)
		tlb->entries[i].valid = false;
	tlb->stats.flushes++;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_tlb_flush_all);
