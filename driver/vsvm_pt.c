// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (c) 2026 The vsvm authors
 */

#include <linux/align.h>
#include <linux/bug.h>
#include <linux/errno.h>
#include <linux/gfp.h>
#include <linux/hmm.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/sizes.h>
#include <linux/string.h>

#include <kunit/visibility.h>

#include "vsvm_pt.h"

/**
 * DOC: Device page table
 *
 * The device translates a 48-bit virtual address through a 4-level radix
 * table shaped like x86-64's 4-level paging. Every table is one 4 KiB page of
 * 512 entries; an entry is a native-endian u64. A virtual address splits into
 *
 * ==========  ===============================================
 * bits 47-39  index into the level-3 table (the root)
 * bits 38-30  index into a level-2 table
 * bits 29-21  index into a level-1 table
 * bits 20-12  index into a level-0 table
 * bits 11-0   offset in the 4 KiB page
 * ==========  ===============================================
 *
 * and an entry is
 *
 * ==========  ===========  ================================================
 * bit 0       VALID        the entry is in use; a clear entry is all zero
 * bit 1       WRITE        leaf only: the device may write through it
 * bit 2       ACCESSED     leaf only: set by the device when a walk uses it
 * bit 3       DIRTY        leaf only: set by the device when a walk for a
 *                          write uses it
 * bit 4       HUGE         level 1 only: the entry is a 2 MiB leaf
 * bit 5       TABLE_RO     level-1 table entry only: every leaf of the
 *                          level-0 table is read-only, whatever its WRITE
 * bit 6       TABLE_DIRTY  level-1 table entry only: a leaf of the level-0
 *                          table may have DIRTY set
 * bit 7       LOCAL        leaf only: the page is in the device's own memory
 *                          (a device-private frame, DOC: Device memory);
 *                          4 KiB leaves only
 * bits 11-8                reserved, zero
 * bits 51-12  PFN          frame number: of the next table for a table
 *                          entry, of the mapped page for a leaf (a multiple
 *                          of 512 for a 2 MiB leaf)
 * bits 63-52               reserved, zero
 * ==========  ===========  ================================================
 *
 * Levels 3 and 2 hold only table entries (there are no 1 GiB leaves), level 1
 * holds tables or 2 MiB leaves (HUGE set), level 0 holds 4 KiB leaves (HUGE
 * clear). A table entry has VALID and PFN set and, at level 1 only, the two
 * summary bits below; permissions live in the leaves. Addresses at or above
 * 2^48 have no translation: vsvm_pt_map() rejects them, vsvm_pt_lookup() and
 * vsvm_pt_touch() miss, and vsvm_pt_zap() and vsvm_pt_protect() clamp their
 * range to 2^48.
 *
 * Like a CPU, the device sets ACCESSED and DIRTY and never clears them; the
 * driver clears them by writing a new leaf (vsvm_pt_map()) and clears DIRTY
 * together with WRITE in vsvm_pt_protect(). The device walks the table only on
 * a TLB miss (vsvm_pt_touch()); a TLB entry filled by a walk for a read must
 * not let a later write through without a second walk, or DIRTY would be
 * missed: cache a translation as writable only when the walk found the leaf
 * writable and dirty.
 *
 * Two bits of a level-1 table entry make a downgrade of a whole 2 MiB of
 * 4 KiB leaves cost one write instead of 512 (mprotect() to read-only of a
 * large mirrored range). TABLE_RO makes every leaf below read-only for the
 * device's walk and for every reader here, whatever the leaf's own WRITE
 * bit. TABLE_DIRTY is set by the device's walk when it sets DIRTY on a leaf
 * below, so that vsvm_pt_protect() knows whether it must visit the leaves
 * to report and clear DIRTY: it sets TABLE_RO only on a table that is
 * wholly covered and has no DIRTY leaf (otherwise it downgrades leaf by
 * leaf, then clears TABLE_DIRTY when it covered the whole table). So a
 * table under TABLE_RO never has a DIRTY leaf: the device cannot write
 * through it. The first map into such a table (a write fault after
 * mprotect() made the memory writable again) pushes the protection down:
 * it clears WRITE on every leaf, then TABLE_RO. Each level-0 table counts
 * its leaves with WRITE set in its page's private field, so that a
 * downgrade still reports how many writable pages it took away.
 */

/**
 * DOC: Page-table locking and reserve
 *
 * The owner serialises every call on a &struct vsvm_pt with its page-table
 * lock, the lock its mmu notifier callback also takes to zap or protect. That
 * callback may run in reclaim and must not allocate, so no function here that
 * runs under that lock allocates memory: vsvm_pt_map(), vsvm_pt_zap(),
 * vsvm_pt_protect(), vsvm_pt_lookup(), vsvm_pt_touch(),
 * vsvm_pt_reserve_trim() and vsvm_pt_bytes() all run under it and only ever
 * take table pages from the table's reserve. They may free pages (freeing
 * never sleeps).
 *
 * The reserve is a list of free pages filled beforehand, outside the lock, by
 * vsvm_pt_reserve(): it computes how many tables a map of [start, end) can
 * need at worst (one level-0 table per 2 MiB, one level-1 table per 1 GiB and
 * one level-2 table per 512 GiB the range touches, plus
 * %VSVM_PT_RESERVE_SPLITS pages for splits) and tops the reserve up to that
 * with the given gfp. Mapping an aligned 2 MiB therefore reserves 5 pages, an
 * aligned 1 GiB 516. The reserve is the one thing that code outside the
 * page-table lock touches, so it has its own spinlock, the innermost lock,
 * held only around list operations. Only vsvm_pt_reserve() adds pages without
 * the page-table lock; pages are removed only under it, so a count checked
 * under the page-table lock stays available until the lock is dropped.
 *
 * vsvm_pt_map() counts the tables it is missing before it changes anything and
 * fails with -ENOMEM, the table untouched, when the reserve holds fewer; the
 * caller drops its lock, calls vsvm_pt_reserve() again and retries. A zap that
 * must split a 2 MiB leaf takes one page; with none left it zaps the whole
 * leaf, which is always safe for a mirror (the pages fault back in) and is
 * counted in &vsvm_pt_stats.huge_zapped_whole. Tables that become empty are
 * unlinked and go back to the reserve until it holds %VSVM_PT_RESERVE_KEEP
 * pages, then to the page allocator.
 */

#define VSVM_PT_ROOT_LEVEL	(VSVM_PT_LEVELS - 1)
#define VSVM_PT_HUGE_SIZE	BIT_ULL(VSVM_PT_PAGE_SHIFT + VSVM_PT_HUGE_ORDER)
#define VSVM_PT_PAGE_SIZE	BIT_ULL(VSVM_PT_PAGE_SHIFT)

/* The device's table pages and 4 KiB pages are the kernel's pages. */
static_assert(PAGE_SIZE == VSVM_PT_PAGE_SIZE);
static_assert(VSVM_PT_ENTRIES * sizeof(u64) == PAGE_SIZE);

/* Shift of the address range one entry of a table at @level covers. */
static unsigned int vsvm_pt_shift(unsigned int level)
{
	return VSVM_PT_PAGE_SHIFT + level * VSVM_PT_ENTRY_BITS;
}

static unsigned int vsvm_pt_index(u64 va, unsigned int level)
{
	return (va >> vsvm_pt_shift(level)) & (VSVM_PT_ENTRIES - 1);
}

static unsigned long vsvm_pte_pfn(u64 pte)
{
	return (pte & VSVM_PTE_PFN_MASK) >> VSVM_PTE_PFN_SHIFT;
}

/* DOC: Device memory: LOCAL for a frame of the device's own memory. */
static u64 vsvm_pt_local_bit(const struct vsvm_pt *pt, unsigned long pfn)
{
	return pt->local && pt->local(pfn) ? VSVM_PTE_LOCAL : 0;
}

static u64 vsvm_pfn_pte(unsigned long pfn)
{
	return (u64)pfn << VSVM_PTE_PFN_SHIFT;
}

static bool vsvm_pte_is_leaf(u64 pte, unsigned int level)
{
	return level == 0 || (pte & VSVM_PTE_HUGE);
}

static u64 *vsvm_pte_table(u64 pte)
{
	return page_address(pfn_to_page(vsvm_pte_pfn(pte)));
}

static u64 vsvm_table_pte(u64 *table)
{
	return vsvm_pfn_pte(page_to_pfn(virt_to_page(table))) | VSVM_PTE_VALID;
}

/* Take a page off the reserve as a new, empty table; NULL if there is none. */
static u64 *vsvm_pt_take_table(struct vsvm_pt *pt, struct vsvm_pt_stats *st)
{
	struct page *page;
	u64 *table;

	spin_lock(&pt->reserve_lock);
	page = list_first_entry_or_null(&pt->reserve, struct page, lru);
	if (page) {
		list_del(&page->lru);
		pt->reserve_count--;
	}
	spin_unlock(&pt->reserve_lock);
	if (!page)
		return NULL;

	/* Reserve pages may hold an old table's entries: clear on use. */
	table = page_address(page);
	clear_page(table);
	set_page_private(page, 0);	/* leaves with WRITE, at level 0 */
	pt->nr_tables++;
	st->tables_alloc++;
	return table;
}

/* A leaf of the level-0 @table goes from @old to @new: count WRITE. */
static void vsvm_pt_count_write(u64 *table, u64 old, u64 new)
{
	struct page *page = virt_to_page(table);

	if ((old ^ new) & VSVM_PTE_WRITE)
		set_page_private(page, page_private(page) +
				 ((new & VSVM_PTE_WRITE) ? 1 : -1));
}

/* Leaves with WRITE set in the level-0 @table. */
static unsigned long vsvm_pt_writable_leaves(u64 *table)
{
	return page_private(virt_to_page(table));
}

/* Unlink accounting for @table and keep it in the reserve or free it. */
static void vsvm_pt_put_table(struct vsvm_pt *pt, u64 *table,
			      struct vsvm_pt_stats *st)
{
	struct page *page = virt_to_page(table);

	pt->nr_tables--;
	st->tables_freed++;

	spin_lock(&pt->reserve_lock);
	if (pt->reserve_count < VSVM_PT_RESERVE_KEEP) {
		list_add(&page->lru, &pt->reserve);
		pt->reserve_count++;
		page = NULL;
	}
	spin_unlock(&pt->reserve_lock);
	if (page)
		__free_page(page);
}

/*
 * Rewrite the 2 MiB leaf at *@ptep as a level-0 table of 512 leaves with the
 * same frames and bits. Return the new table, or NULL (and *@ptep untouched)
 * when the reserve is empty.
 */
static u64 *vsvm_pt_split_huge(struct vsvm_pt *pt, u64 *ptep,
			       struct vsvm_pt_stats *st)
{
	u64 huge = *ptep;
	u64 bits = huge & ~(VSVM_PTE_PFN_MASK | VSVM_PTE_HUGE);
	unsigned long pfn = vsvm_pte_pfn(huge);
	u64 *table;
	unsigned int i;

	table = vsvm_pt_take_table(pt, st);
	if (!table)
		return NULL;
	for (i = 0; i < VSVM_PT_ENTRIES; i++)
		table[i] = vsvm_pfn_pte(pfn + i) | bits;
	set_page_private(virt_to_page(table), (bits & VSVM_PTE_WRITE) ? VSVM_PT_ENTRIES : 0);
	/* The leaves inherit DIRTY: a downgrade must visit them to report it. */
	*ptep = vsvm_table_pte(table) | ((huge & VSVM_PTE_DIRTY) ? VSVM_PTE_TABLE_DIRTY : 0);
	st->split++;
	return table;
}

static void vsvm_pt_free_tree(u64 *table, unsigned int level)
{
	unsigned int i;

	for (i = 0; level > 0 && i < VSVM_PT_ENTRIES; i++) {
		u64 pte = table[i];

		if ((pte & VSVM_PTE_VALID) && !vsvm_pte_is_leaf(pte, level))
			vsvm_pt_free_tree(vsvm_pte_table(pte), level - 1);
	}
	free_page((unsigned long)table);
}

/**
 * vsvm_pt_init() - set up an empty page table
 * @pt: the page table
 *
 * Allocates the root table (GFP_KERNEL); the reserve starts empty.
 *
 * Return: 0 on success, -ENOMEM.
 */
int vsvm_pt_init(struct vsvm_pt *pt)
{
	pt->root = (u64 *)get_zeroed_page(GFP_KERNEL);
	if (!pt->root)
		return -ENOMEM;
	pt->nr_tables = 1;
	pt->live = 0;
	spin_lock_init(&pt->reserve_lock);
	INIT_LIST_HEAD(&pt->reserve);
	pt->reserve_count = 0;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_pt_init);

/**
 * vsvm_pt_fini() - free a page table
 * @pt: the page table; nothing may use it any more
 *
 * Frees every table page and the reserve.
 */
void vsvm_pt_fini(struct vsvm_pt *pt)
{
	vsvm_pt_reserve_trim(pt, 0);
	vsvm_pt_free_tree(pt->root, VSVM_PT_ROOT_LEVEL);
	pt->root = NULL;
	pt->nr_tables = 0;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_pt_fini);

/* Distinct entries of tables at @level that [start, end) touches. */
static u64 vsvm_pt_entries_touched(u64 start, u64 end, unsigned int level)
{
	unsigned int shift = vsvm_pt_shift(level);

	return ((end - 1) >> shift) - (start >> shift) + 1;
}

/**
 * vsvm_pt_reserve() - fill the reserve for a map of a range
 * @pt: the page table
 * @start: first byte of the range
 * @end: end of the range (exclusive), at most 2^48
 * @gfp: allocation flags, normally GFP_KERNEL
 *
 * Tops the reserve up to the number of table pages that mapping every 4 KiB
 * page of [@start, @end) could need in an empty table, plus
 * %VSVM_PT_RESERVE_SPLITS (see DOC: Page-table locking and reserve). Call it
 * without the page-table lock; it may sleep when @gfp allows. Pages allocated
 * before a failure stay in the reserve.
 *
 * Return: 0 on success; -EINVAL for an empty range or one beyond 2^48;
 * -E2BIG if the range would need more than %VSVM_PT_RESERVE_MAX pages (map
 * it in pieces); -ENOMEM when the allocation fails.
 */
int vsvm_pt_reserve(struct vsvm_pt *pt, u64 start, u64 end, gfp_t gfp)
{
	u64 need = VSVM_PT_RESERVE_SPLITS;
	unsigned int level;

	if (start >= end || end > VSVM_PT_VA_END)
		return -EINVAL;
	for (level = 1; level <= VSVM_PT_ROOT_LEVEL; level++)
		need += vsvm_pt_entries_touched(start, end, level);
	if (need > VSVM_PT_RESERVE_MAX)
		return -E2BIG;

	for (;;) {
		struct page *page;
		bool enough;

		spin_lock(&pt->reserve_lock);
		enough = pt->reserve_count >= need;
		spin_unlock(&pt->reserve_lock);
		if (enough)
			return 0;

		page = alloc_page(gfp);
		if (!page)
			return -ENOMEM;
		spin_lock(&pt->reserve_lock);
		list_add(&page->lru, &pt->reserve);
		pt->reserve_count++;
		spin_unlock(&pt->reserve_lock);
	}
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_pt_reserve);

/**
 * vsvm_pt_reserve_trim() - give reserve pages back to the page allocator
 * @pt: the page table
 * @keep: number of pages to leave in the reserve
 *
 * For a caller that reserved for a large map and wants the unused pages back.
 * Takes pages out of the reserve, so it runs under the page-table lock (or
 * when nothing else uses @pt).
 */
void vsvm_pt_reserve_trim(struct vsvm_pt *pt, unsigned int keep)
{
	struct page *page, *next;
	LIST_HEAD(excess);

	spin_lock(&pt->reserve_lock);
	while (pt->reserve_count > keep) {
		list_move(pt->reserve.next, &excess);
		pt->reserve_count--;
	}
	spin_unlock(&pt->reserve_lock);

	list_for_each_entry_safe(page, next, &excess, lru)
		__free_page(page);
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_pt_reserve_trim);

/**
 * vsvm_pt_reserve_count() - pages in the reserve
 * @pt: the page table
 *
 * Return: the number of free pages the reserve holds now.
 */
unsigned int vsvm_pt_reserve_count(struct vsvm_pt *pt)
{
	unsigned int count;

	spin_lock(&pt->reserve_lock);
	count = pt->reserve_count;
	spin_unlock(&pt->reserve_lock);
	return count;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_pt_reserve_count);

/* Table pages a map of @va at @target level would have to add. */
static unsigned int vsvm_pt_missing_tables(const struct vsvm_pt *pt, u64 va,
					   unsigned int target)
{
	u64 *table = pt->root;
	unsigned int level;

	for (level = VSVM_PT_ROOT_LEVEL; level > target; level--) {
		u64 pte = table[vsvm_pt_index(va, level)];

		if (!(pte & VSVM_PTE_VALID))
			return level - target;
		if (vsvm_pte_is_leaf(pte, level))
			return 1;	/* a 2 MiB leaf to split */
		table = vsvm_pte_table(pte);
	}
	return 0;
}

/*
 * The level-0 @table under the level-1 entry *@ptep, which has TABLE_RO, is
 * about to get a leaf that may be writable: make the protection the leaves'
 * own (WRITE cleared on each) and drop TABLE_RO. No leaf is DIRTY under
 * TABLE_RO (DOC: Device page table).
 */
static void vsvm_pt_unprotect_table(u64 *ptep, u64 *table)
{
	unsigned int i;

	for (i = 0; i < VSVM_PT_ENTRIES; i++)
		table[i] &= ~VSVM_PTE_WRITE;
	set_page_private(virt_to_page(table), 0);
	*ptep &= ~VSVM_PTE_TABLE_RO;
}

/*
 * The table at @target level whose entry translates @va, adding the tables
 * that are missing (from the reserve) and splitting a 2 MiB leaf on the way
 * to a level-0 table. NULL, with the tree unchanged, when the reserve holds
 * fewer pages than that takes.
 */
static u64 *vsvm_pt_walk_alloc(struct vsvm_pt *pt, u64 va, unsigned int target,
			       struct vsvm_pt_stats *st)
{
	u64 *table = pt->root;
	unsigned int level;

	if (vsvm_pt_missing_tables(pt, va, target) > vsvm_pt_reserve_count(pt))
		return NULL;

	st->walks++;
	for (level = VSVM_PT_ROOT_LEVEL; level > target; level--) {
		u64 *ptep = &table[vsvm_pt_index(va, level)];
		u64 *next;

		if (!(*ptep & VSVM_PTE_VALID)) {
			next = vsvm_pt_take_table(pt, st);
			if (WARN_ON(!next))	/* counted above */
				return NULL;
			*ptep = vsvm_table_pte(next);
		} else if (vsvm_pte_is_leaf(*ptep, level)) {
			next = vsvm_pt_split_huge(pt, ptep, st);
			if (WARN_ON(!next))
				return NULL;
		} else {
			next = vsvm_pte_table(*ptep);
			if (*ptep & VSVM_PTE_TABLE_RO)
				vsvm_pt_unprotect_table(ptep, next);
		}
		table = next;
	}
	return table;
}

/*
 * A leaf loses its DIRTY bit: tell the owner, which must mark the memory
 * dirty for the CPU side (the device wrote it behind the CPU's page tables).
 */
static void vsvm_pt_report_dirty(struct vsvm_pt *pt, u64 pte, unsigned int level)
{
	if ((pte & VSVM_PTE_DIRTY) && pt->dirty)
		pt->dirty(pt, vsvm_pte_pfn(pte), level * VSVM_PT_ENTRY_BITS);
}

/*
 * @old, a leaf at @level whose first 4 KiB page should now be frame @pfn, is
 * replaced by the leaf *@new. Carry its ACCESSED bit, and its DIRTY bit while
 * *@new is writable, when the frame stays; otherwise report DIRTY. Return
 * true when a TLB may cache something the new leaf no longer allows.
 */
static bool vsvm_pt_merge_leaf(struct vsvm_pt *pt, u64 old, unsigned int level,
			       unsigned long pfn, u64 *new)
{
	bool same = vsvm_pte_pfn(old) == pfn;
	bool lost_write = (old & VSVM_PTE_WRITE) && !(*new & VSVM_PTE_WRITE);

	if (same)
		*new |= old & VSVM_PTE_ACCESSED;
	if (same && !lost_write)
		*new |= old & VSVM_PTE_DIRTY;
	else
		vsvm_pt_report_dirty(pt, old, level);
	return !same || lost_write;
}

/**
 * vsvm_pt_map() - write one leaf
 * @pt: the page table, under the page-table lock
 * @va: device virtual address, aligned to the leaf size
 * @pfn: frame to map, aligned to the leaf size in pages
 * @order: 0 for a 4 KiB leaf, %VSVM_PT_HUGE_ORDER for a 2 MiB leaf
 * @flags: %VSVM_PTE_WRITE or 0; VALID is implied
 * @st: counters to add to (tables taken, freed, leaves split)
 *
 * Writes the leaf over whatever maps @va at that size, and never loses what
 * the device did through the old translation: a leaf that maps the same
 * frame keeps its ACCESSED bit, and its DIRTY bit while the new leaf is
 * writable (a fault-around that maps an already mapped page again changes
 * nothing the device relies on); the DIRTY bit of a leaf that is replaced
 * (another frame, or WRITE taken away) is reported through &vsvm_pt.dirty
 * first. A 2 MiB leaf replaces a level-0 table under it, whose leaves are
 * merged the same way and whose page goes back to the reserve. A 4 KiB leaf
 * inside a 2 MiB leaf first splits it, so the other 511 pages stay mapped.
 * Tables come only from the reserve; nothing is allocated.
 *
 * Return: 0 on success when no translation a TLB may hold changed (a new
 * leaf, the same frame with the same or more permission); 1 on success when
 * one did (another frame, or WRITE removed): the caller must flush the TLBs
 * over the leaf before it drops the page-table lock. -EINVAL for a bad
 * order, flags, alignment, or an address beyond 2^48; -ENOMEM, with the
 * table unchanged, when the reserve holds fewer pages than the tables this
 * map must add.
 */
int vsvm_pt_map(struct vsvm_pt *pt, u64 va, unsigned long pfn,
		unsigned int order, u64 flags, struct vsvm_pt_stats *st)
{
	unsigned int target = order ? 1 : 0;
	u64 size = VSVM_PT_PAGE_SIZE << order;
	bool changed = false;
	u64 *table, *ptep, new;

	if (order != 0 && order != VSVM_PT_HUGE_ORDER)
		return -EINVAL;
	if (flags & ~VSVM_PT_MAP_FLAGS)
		return -EINVAL;
	if (!IS_ALIGNED(va, size) || va >= VSVM_PT_VA_END)
		return -EINVAL;
	if (!IS_ALIGNED(pfn, 1UL << order) ||
	    pfn > VSVM_PTE_PFN_MASK >> VSVM_PTE_PFN_SHIFT)
		return -EINVAL;

	table = vsvm_pt_walk_alloc(pt, va, target, st);
	if (!table)
		return -ENOMEM;

	ptep = &table[vsvm_pt_index(va, target)];
	new = vsvm_pfn_pte(pfn) | flags | VSVM_PTE_VALID | (target ? VSVM_PTE_HUGE : 0) |
	      vsvm_pt_local_bit(pt, pfn);
	if (!(*ptep & VSVM_PTE_VALID)) {
		if (!target)
			vsvm_pt_count_write(table, 0, new);
		*ptep = new;
		pt->live += BIT_ULL(order);
		return 0;
	}
	if (vsvm_pte_is_leaf(*ptep, target)) {
		changed = vsvm_pt_merge_leaf(pt, *ptep, target, pfn, &new);
		if (!target)
			vsvm_pt_count_write(table, *ptep, new);
	} else {
		/* A 2 MiB leaf over a level-0 table: merge each of its leaves. */
		u64 keep = (*ptep & VSVM_PTE_TABLE_RO) ? ~VSVM_PTE_WRITE : ~0ULL;
		u64 *old = vsvm_pte_table(*ptep);
		unsigned int i;

		pt->live += VSVM_PT_ENTRIES;
		for (i = 0; i < VSVM_PT_ENTRIES; i++) {
			if (!(old[i] & VSVM_PTE_VALID))
				continue;
			changed |= vsvm_pt_merge_leaf(pt, old[i] & keep, 0, pfn + i, &new);
			pt->live--;
		}
		vsvm_pt_put_table(pt, old, st);
	}
	*ptep = new;
	st->changed += changed;
	return changed;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_pt_map);

/* Whether vsvm_pt_map_pages() maps the page of entry @e. */
static bool vsvm_pt_page_wanted(const struct vsvm_pt_pages *pages, unsigned long e)
{
	return (e & pages->present) && !(e & pages->skip);
}

/**
 * vsvm_pt_map_pages() - write the 4 KiB leaves of a run of pages
 * @pt: the page table, under the page-table lock
 * @va: address of the first page, 4 KiB aligned
 * @count: pages in the run; [@va, @va + @count * 4 KiB) must end at or
 *	below 2^48
 * @pages: one entry per page saying which frame to map and how
 * @st: counters to add to; @st->changed grows for every leaf a TLB may hold
 *	differently, @st->mapped for every leaf written, @st->unchanged for
 *	every page left alone because it was mapped as asked
 *
 * What vsvm_pt_map() does for one page, for a run (the fault path's commit):
 * one walk from the root per level-0 table the run touches, not per page,
 * and no table at all for a 2 MiB span without a page to map. A page that is
 * already mapped to the same frame with the same permission is not written,
 * so the device's ACCESSED and DIRTY bits stay as they are. A leaf that
 * changes is merged as vsvm_pt_map() merges it (DIRTY reported when the
 * frame changes or WRITE goes). Entries that are not present, or carry a
 * @pages->skip bit, leave their address alone.
 *
 * Return: 0 when every page was handled. -EINVAL, before anything is
 * written, for a misaligned @va or a run beyond 2^48; -EINVAL for an entry
 * whose frame does not fit a leaf (pages before it are written). -ENOMEM
 * when the reserve ran out: the tables the walk reached before are written,
 * nothing after; the caller reserves again and repeats the call, which skips
 * what is already done. In every case the caller must flush the TLBs over
 * the run before it drops the page-table lock if @st->changed grew.
 */
int vsvm_pt_map_pages(struct vsvm_pt *pt, u64 va, unsigned long count,
		      const struct vsvm_pt_pages *pages, struct vsvm_pt_stats *st)
{
	const u64 max_pfn = VSVM_PTE_PFN_MASK >> VSVM_PTE_PFN_SHIFT;
	const u64 keep = VSVM_PTE_PFN_MASK | VSVM_PTE_WRITE | VSVM_PTE_VALID | VSVM_PTE_LOCAL;
	unsigned long i = 0;

	if (!IS_ALIGNED(va, VSVM_PT_PAGE_SIZE) || va >= VSVM_PT_VA_END ||
	    count > (VSVM_PT_VA_END - va) >> VSVM_PT_PAGE_SHIFT)
		return -EINVAL;

	while (i < count) {
		u64 at = va + ((u64)i << VSVM_PT_PAGE_SHIFT);
		unsigned long span = min_t(u64, count - i,
					   (ALIGN_DOWN(at, VSVM_PT_HUGE_SIZE) +
					    VSVM_PT_HUGE_SIZE - at) >> VSVM_PT_PAGE_SHIFT);
		unsigned long last = i + span;
		u64 *table;

		while (i < last && !vsvm_pt_page_wanted(pages, pages->entries[i]))
			i++;
		if (i == last)
			continue;

		at = va + ((u64)i << VSVM_PT_PAGE_SHIFT);
		table = vsvm_pt_walk_alloc(pt, at, 0, st);
		if (!table)
			return -ENOMEM;

		for (; i < last; i++, at += VSVM_PT_PAGE_SIZE) {
			unsigned long e = pages->entries[i];
			unsigned long pfn = e & pages->pfn_mask;
			u64 *ptep = &table[vsvm_pt_index(at, 0)];
			u64 new;

			if (!vsvm_pt_page_wanted(pages, e))
				continue;
			if (pfn > max_pfn)
				return -EINVAL;
			new = vsvm_pfn_pte(pfn) | VSVM_PTE_VALID | vsvm_pt_local_bit(pt, pfn) |
			      ((e & pages->write) ? VSVM_PTE_WRITE : 0);
			if (!(*ptep & VSVM_PTE_VALID)) {
				pt->live++;
			} else if ((*ptep & keep) == new) {
				st->unchanged++;
				continue;
			} else if (vsvm_pt_merge_leaf(pt, *ptep, 0, pfn, &new)) {
				st->changed++;
			}
			vsvm_pt_count_write(table, *ptep, new);
			*ptep = new;
			st->mapped++;
		}
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_pt_map_pages);

/**
 * vsvm_pt_map_hmm() - vsvm_pt_map_pages() for hmm_range_fault()'s pfn array
 * @pt: the page table, under the page-table lock
 * @va: address of the first page
 * @count: pages
 * @hmm_pfns: hmm_range_fault()'s entries for them: HMM_PFN_VALID maps,
 *	HMM_PFN_WRITE makes writable, HMM_PFN_ERROR leaves alone
 * @st: counters to add to
 *
 * Return: as vsvm_pt_map_pages().
 */
int vsvm_pt_map_hmm(struct vsvm_pt *pt, u64 va, unsigned long count,
		    const unsigned long *hmm_pfns, struct vsvm_pt_stats *st)
{
	const struct vsvm_pt_pages pages = {
		.entries = hmm_pfns,
		.pfn_mask = ~HMM_PFN_FLAGS,
		.present = HMM_PFN_VALID,
		.write = HMM_PFN_WRITE,
		.skip = HMM_PFN_ERROR,
	};

	return vsvm_pt_map_pages(pt, va, count, &pages, st);
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_pt_map_hmm);

/*
 * Zap (@zap true) or write-protect the leaves of [start, end) under @table, a
 * table at @level whose range contains [start, end). Return true when @table
 * lost entries and is now empty, for the caller to unlink it. A zap with a
 * @filter leaves the other kind of leaves alone (2 MiB leaves are always of
 * system memory).
 */
static bool vsvm_pt_update_range(struct vsvm_pt *pt, u64 *table,
				 unsigned int level, u64 start, u64 end,
				 bool zap, int filter, struct vsvm_pt_stats *st)
{
	u64 span = BIT_ULL(vsvm_pt_shift(level));
	u64 pages = span >> VSVM_PT_PAGE_SHIFT;
	bool cleared = false;
	u64 addr, next;

	for (addr = start; addr < end; addr = next) {
		u64 *ptep = &table[vsvm_pt_index(addr, level)];
		u64 entry_start = ALIGN_DOWN(addr, span);
		bool whole;

		next = min(entry_start + span, end);
		whole = addr == entry_start && next == entry_start + span;
		if (!(*ptep & VSVM_PTE_VALID))
			continue;

		if (vsvm_pte_is_leaf(*ptep, level)) {
			bool local = *ptep & VSVM_PTE_LOCAL;
			bool zap_local = filter == VSVM_PT_ZAP_LOCAL;

			if (zap && filter && local != zap_local)
				continue;
			if (!zap) {
				vsvm_pt_report_dirty(pt, *ptep, level);
				/* A partly covered 2 MiB leaf loses WRITE whole. */
				if (*ptep & VSVM_PTE_WRITE)
					st->downgraded += pages;
				if (!level)
					vsvm_pt_count_write(table, *ptep, 0);
				*ptep &= ~(VSVM_PTE_WRITE | VSVM_PTE_DIRTY);
				continue;
			}
			if (whole || !vsvm_pt_split_huge(pt, ptep, st)) {
				vsvm_pt_report_dirty(pt, *ptep, level);
				if (!whole)
					st->huge_zapped_whole++;
				if (!level)
					vsvm_pt_count_write(table, *ptep, 0);
				*ptep = 0;
				st->zapped += pages;
				pt->live -= pages;
				cleared = true;
				continue;
			}
			/* Split: zap the covered part of the new table below. */
		} else if (!zap && level == 1) {
			/* Read-only already, and no leaf below is DIRTY. */
			if (*ptep & VSVM_PTE_TABLE_RO)
				continue;
			/* Nothing to report: protect the whole table at once. */
			if (whole && !(*ptep & VSVM_PTE_TABLE_DIRTY)) {
				st->downgraded += vsvm_pt_writable_leaves(vsvm_pte_table(*ptep));
				st->tables_protected++;
				*ptep |= VSVM_PTE_TABLE_RO;
				continue;
			}
		}

		if (vsvm_pt_update_range(pt, vsvm_pte_table(*ptep), level - 1,
					 addr, next, zap, filter, st)) {
			vsvm_pt_put_table(pt, vsvm_pte_table(*ptep), st);
			*ptep = 0;
			cleared = true;
		} else if (!zap && whole && level == 1) {
			/* Every leaf below is clean now. */
			*ptep &= ~VSVM_PTE_TABLE_DIRTY;
		}
	}
	return cleared && !memchr_inv(table, 0, PAGE_SIZE);
}

/* Page-align [*start, *end) outwards and clamp it to the device's VA. */
static bool vsvm_pt_clamp(u64 *start, u64 *end)
{
	*end = ALIGN(min(*end, VSVM_PT_VA_END), VSVM_PT_PAGE_SIZE);
	*start = ALIGN_DOWN(*start, VSVM_PT_PAGE_SIZE);
	return *start < *end;
}

/**
 * vsvm_pt_zap() - remove every translation of a range
 * @pt: the page table, under the page-table lock
 * @start: first byte of the range
 * @end: end of the range (exclusive)
 * @st: counters to add to
 *
 * Clears every leaf that maps a byte of [@start, @end): the range is widened
 * to whole 4 KiB pages and clamped to 2^48. A 2 MiB leaf only partly inside is
 * split, its outside part kept as 4 KiB leaves in a level-0 table taken from
 * the reserve; when the reserve is empty the whole 2 MiB leaf is zapped
 * instead. Tables left empty are unlinked and freed (the root stays). Never
 * allocates.
 *
 * Return: the 4 KiB units this call removed (also added to @st->zapped).
 */
u64 vsvm_pt_zap(struct vsvm_pt *pt, u64 start, u64 end,
		struct vsvm_pt_stats *st)
{
	u64 before = st->zapped;

	if (vsvm_pt_clamp(&start, &end))
		vsvm_pt_update_range(pt, pt->root, VSVM_PT_ROOT_LEVEL, start,
				     end, true, 0, st);
	return st->zapped - before;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_pt_zap);

/**
 * vsvm_pt_zap_filtered() - remove the translations of a range to one kind of memory
 * @pt: the page table, under the page-table lock
 * @start: first byte of the range
 * @end: end of the range (exclusive)
 * @filter: which leaves go: those with %VSVM_PTE_LOCAL, or those without
 * @st: counters to add to
 *
 * vsvm_pt_zap() for the leaves @filter names only; the others stay as they
 * are. A migration into device memory removes the translations of the
 * system pages it copies and keeps those of the device pages already there
 * (DOC: Device memory).
 *
 * Return: the 4 KiB units this call removed (also added to @st->zapped).
 */
u64 vsvm_pt_zap_filtered(struct vsvm_pt *pt, u64 start, u64 end,
			 enum vsvm_pt_zap_filter filter, struct vsvm_pt_stats *st)
{
	u64 before = st->zapped;

	if (vsvm_pt_clamp(&start, &end))
		vsvm_pt_update_range(pt, pt->root, VSVM_PT_ROOT_LEVEL, start,
				     end, true, filter, st);
	return st->zapped - before;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_pt_zap_filtered);

/**
 * vsvm_pt_protect() - make the translations of a range read-only
 * @pt: the page table, under the page-table lock
 * @start: first byte of the range
 * @end: end of the range (exclusive)
 * @st: counters to add to (&vsvm_pt_stats.downgraded counts the 4 KiB pages
 *	that were writable)
 *
 * Clears WRITE and DIRTY on every leaf that maps a byte of [@start, @end)
 * (widened to whole pages, clamped to 2^48) and keeps the translations. A
 * 2 MiB leaf only partly inside is downgraded whole rather than split: that
 * needs no table page, and over-protecting costs only a write fault, which
 * maps the page writable again. A level-0 table wholly inside, none of whose
 * leaves the device has dirtied, is made read-only with one write of its
 * level-1 entry (TABLE_RO, DOC: Device page table), not 512.
 *
 * Return: the 4 KiB units this call made read-only (also added to
 * @st->downgraded).
 */
u64 vsvm_pt_protect(struct vsvm_pt *pt, u64 start, u64 end,
		    struct vsvm_pt_stats *st)
{
	u64 before = st->downgraded;

	if (vsvm_pt_clamp(&start, &end))
		vsvm_pt_update_range(pt, pt->root, VSVM_PT_ROOT_LEVEL, start,
				     end, false, 0, st);
	return st->downgraded - before;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_pt_protect);

/*
 * The leaf that maps @va, or NULL; *@level is set to the leaf's level and
 * *@parent to the level-1 entry above a 4 KiB leaf (NULL for a 2 MiB one).
 */
static u64 *vsvm_pt_find_leaf(const struct vsvm_pt *pt, u64 va,
			      unsigned int *level, u64 **parent)
{
	u64 *table = pt->root;
	unsigned int l;

	*parent = NULL;
	if (va >= VSVM_PT_VA_END)
		return NULL;
	for (l = VSVM_PT_ROOT_LEVEL; ; l--) {
		u64 *ptep = &table[vsvm_pt_index(va, l)];

		if (!(*ptep & VSVM_PTE_VALID))
			return NULL;
		if (vsvm_pte_is_leaf(*ptep, l)) {
			*level = l;
			return ptep;
		}
		if (l == 1)
			*parent = ptep;
		table = vsvm_pte_table(*ptep);
	}
}

/* What the leaf @pte allows, with TABLE_RO of its level-1 entry *@parent. */
static u64 vsvm_pt_leaf_effective(u64 pte, const u64 *parent)
{
	if (parent && (*parent & VSVM_PTE_TABLE_RO))
		pte &= ~VSVM_PTE_WRITE;
	return pte;
}

static void vsvm_pt_fill_entry(u64 pte, unsigned int level, u64 va,
			       struct vsvm_pt_entry *out)
{
	unsigned int order = level * VSVM_PT_ENTRY_BITS;

	out->order = order;
	out->pfn = vsvm_pte_pfn(pte) +
		((va >> VSVM_PT_PAGE_SHIFT) & (BIT(order) - 1));
	out->writable = pte & VSVM_PTE_WRITE;
	out->accessed = pte & VSVM_PTE_ACCESSED;
	out->dirty = pte & VSVM_PTE_DIRTY;
	out->local = pte & VSVM_PTE_LOCAL;
}

/**
 * vsvm_pt_lookup() - translate an address without side effects
 * @pt: the page table, under the page-table lock
 * @va: device virtual address
 * @out: filled with the translation on success
 *
 * For the driver and tests; the device's own walk is vsvm_pt_touch().
 *
 * Return: true if @va is mapped, false otherwise (including @va >= 2^48).
 */
bool vsvm_pt_lookup(const struct vsvm_pt *pt, u64 va,
		    struct vsvm_pt_entry *out)
{
	unsigned int level;
	u64 *parent;
	u64 *ptep = vsvm_pt_find_leaf(pt, va, &level, &parent);

	if (!ptep)
		return false;
	vsvm_pt_fill_entry(vsvm_pt_leaf_effective(*ptep, parent), level, va, out);
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_pt_lookup);

/**
 * vsvm_pt_touch() - the device's page walk for one access
 * @pt: the page table, under the page-table lock
 * @va: device virtual address
 * @write: the access is a write
 * @out: if not NULL, filled with the translation (after the update)
 *
 * What the device does on a TLB miss: finds the leaf, checks that a write is
 * allowed, sets ACCESSED and, for a write, DIRTY. A failed walk (a device page
 * fault) changes nothing. Unlike the other functions, walks may run
 * concurrently with each other (several engines, the page-table lock held
 * for read): the bits are set with an atomic compare-and-exchange.
 *
 * Return: true if the access may proceed; false if @va is not mapped or
 * @write hits a read-only leaf.
 */
bool vsvm_pt_touch(struct vsvm_pt *pt, u64 va, bool write,
		   struct vsvm_pt_entry *out)
{
	u64 set = VSVM_PTE_ACCESSED | (write ? VSVM_PTE_DIRTY : 0);
	unsigned int level;
	u64 *parent;
	u64 *ptep = vsvm_pt_find_leaf(pt, va, &level, &parent);
	u64 pte, table;

	if (!ptep)
		return false;
	/* TABLE_RO changes only under the lock held for write. */
	if (write && parent && (READ_ONCE(*parent) & VSVM_PTE_TABLE_RO))
		return false;
	/* Engines walk at the same time (the lock held for read): set bits atomically. */
	pte = READ_ONCE(*ptep);
	do {
		if (write && !(pte & VSVM_PTE_WRITE))
			return false;
	} while ((pte & set) != set && !try_cmpxchg64(ptep, &pte, pte | set));
	/* A DIRTY leaf below: vsvm_pt_protect() must visit this table's leaves. */
	if (write && parent) {
		table = READ_ONCE(*parent);
		while (!(table & VSVM_PTE_TABLE_DIRTY) &&
		       !try_cmpxchg64(parent, &table, table | VSVM_PTE_TABLE_DIRTY))
			;
	}
	if (out)
		vsvm_pt_fill_entry(vsvm_pt_leaf_effective(pte | set, parent), level, va, out);
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_pt_touch);

/*
 * The first leaf under @table (at @level) that maps a byte of [*@va, @end);
 * *@parent is set as vsvm_pt_find_leaf() sets it.
 */
static u64 *vsvm_pt_next_in(u64 *table, unsigned int level, u64 *va, u64 end,
			    unsigned int *leaf_level, u64 **parent)
{
	u64 span = BIT_ULL(vsvm_pt_shift(level));

	while (*va < end) {
		u64 *ptep = &table[vsvm_pt_index(*va, level)];
		u64 entry_start = ALIGN_DOWN(*va, span);
		u64 *leaf;

		if (*ptep & VSVM_PTE_VALID) {
			if (vsvm_pte_is_leaf(*ptep, level)) {
				*va = entry_start;
				*leaf_level = level;
				*parent = NULL;
				return ptep;
			}
			leaf = vsvm_pt_next_in(vsvm_pte_table(*ptep), level - 1, va,
					       min(end, entry_start + span), leaf_level,
					       parent);
			if (leaf) {
				if (level == 1)
					*parent = ptep;
				return leaf;
			}
		}
		if (entry_start + span < entry_start)
			break;
		*va = entry_start + span;
	}
	return NULL;
}

/**
 * vsvm_pt_next_leaf() - find the next translation in a range
 * @pt: the page table, under the page-table lock (read is enough)
 * @va: in: where to start looking; out: the first address of the leaf found
 *	(aligned down to its size, so it may be below the value passed in)
 * @end: end of the range (exclusive)
 * @out: filled with the translation of *@va
 *
 * Walks only the tables that exist, so a sparse table is cheap to scan: for
 * audits and tests that look at every translation of a range, continuing at
 * *@va + (4 KiB << @out->order).
 *
 * Return: true when a leaf maps a byte of [@va, @end), false otherwise.
 */
bool vsvm_pt_next_leaf(const struct vsvm_pt *pt, u64 *va, u64 end,
		       struct vsvm_pt_entry *out)
{
	unsigned int level;
	u64 *ptep, *parent;

	end = min(end, VSVM_PT_VA_END);
	if (*va >= end)
		return false;
	ptep = vsvm_pt_next_in(pt->root, VSVM_PT_ROOT_LEVEL, va, end, &level, &parent);
	if (!ptep)
		return false;
	vsvm_pt_fill_entry(vsvm_pt_leaf_effective(*ptep, parent), level, *va, out);
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_pt_next_leaf);

/**
 * vsvm_pt_clear_young() - clear the ACCESSED bits of a range (aging)
 * @pt: the page table, under the page-table lock held for read (engines may
 *	be setting bits at the same time: the bits are cleared atomically)
 * @start: start of the range
 * @end: end of the range (exclusive)
 *
 * A 2 MiB leaf that overlaps the range answers for all of it. A TLB may
 * still cache the translations: the caller makes the engines drop them, or
 * later accesses through the TLB do not set the bits again.
 *
 * Return: the number of leaves that had ACCESSED set.
 */
u64 vsvm_pt_clear_young(struct vsvm_pt *pt, u64 start, u64 end)
{
	unsigned int level;
	u64 va = start, young = 0;
	u64 *ptep, *parent;

	end = min(end, VSVM_PT_VA_END);
	while (va < end && (ptep = vsvm_pt_next_in(pt->root, VSVM_PT_ROOT_LEVEL, &va, end,
						   &level, &parent))) {
		u64 pte = READ_ONCE(*ptep);

		while ((pte & VSVM_PTE_ACCESSED) &&
		       !try_cmpxchg64(ptep, &pte, pte & ~VSVM_PTE_ACCESSED))
			;
		if (pte & VSVM_PTE_ACCESSED)
			young++;
		va += BIT_ULL(vsvm_pt_shift(level));
	}
	return young;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_pt_clear_young);

/* vsvm_pt_young_map() below @table (at @level); bit 0 of @map is @base. */
static u64 vsvm_pt_young_in(const u64 *table, unsigned int level, u64 va, u64 end,
			    u64 base, unsigned long *map)
{
	u64 span = BIT_ULL(vsvm_pt_shift(level)), young = 0;

	while (va < end) {
		u64 next = min(ALIGN_DOWN(va, span) + span, end);
		u64 pte = READ_ONCE(table[vsvm_pt_index(va, level)]);

		if (!(pte & VSVM_PTE_VALID)) {
			/* Nothing here. */
		} else if (vsvm_pte_is_leaf(pte, level)) {
			if (pte & VSVM_PTE_ACCESSED) {
				bitmap_set(map, (va - base) >> VSVM_PT_PAGE_SHIFT,
					   (next - va) >> VSVM_PT_PAGE_SHIFT);
				young += (next - va) >> VSVM_PT_PAGE_SHIFT;
			}
		} else {
			young += vsvm_pt_young_in(vsvm_pte_table(pte), level - 1, va, next,
						  base, map);
		}
		va = next;
	}
	return young;
}

/**
 * vsvm_pt_young_map() - which pages of a range the device has used
 * @pt: the page table, under the page-table lock (read is enough)
 * @start: start of the range, 4 KiB aligned
 * @end: end of the range (exclusive), 4 KiB aligned
 * @map: a bitmap of (@end - @start) / 4 KiB bits: bit i is set when the
 *	translation of @start + i * 4 KiB has ACCESSED set (a 2 MiB leaf
 *	answers for each of its pages in the range); other bits are left as
 *	they are
 *
 * Visits each entry of the range once (vsvm_pt_test_young() walks from the
 * root for one page), without changing any: the cost of asking about a
 * whole range is that of reading its leaf tables.
 *
 * Return: the number of pages found used.
 */
u64 vsvm_pt_young_map(const struct vsvm_pt *pt, u64 start, u64 end, unsigned long *map)
{
	end = min(end, VSVM_PT_VA_END);
	if (start >= end)
		return 0;
	return vsvm_pt_young_in(pt->root, VSVM_PT_ROOT_LEVEL, start, end, start, map);
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_pt_young_map);

/**
 * vsvm_pt_test_young() - whether the translation of an address was used
 * @pt: the page table, under the page-table lock (read is enough)
 * @va: the address
 *
 * Return: true when a leaf maps @va and has ACCESSED set.
 */
bool vsvm_pt_test_young(struct vsvm_pt *pt, u64 va)
{
	unsigned int level;
	u64 *parent;
	u64 *ptep = vsvm_pt_find_leaf(pt, va, &level, &parent);

	return ptep && (READ_ONCE(*ptep) & VSVM_PTE_ACCESSED);
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_pt_test_young);

/**
 * vsvm_pt_bytes() - memory held by the tree's table pages
 * @pt: the page table
 *
 * The reserve is not counted (see vsvm_pt_reserve_count()).
 *
 * Return: bytes of table pages linked into the tree, root included.
 */
u64 vsvm_pt_bytes(const struct vsvm_pt *pt)
{
	return (u64)pt->nr_tables * PAGE_SIZE;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_pt_bytes);

u64 vsvm_pt_live(const struct vsvm_pt *pt)
{
	return pt->live;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_pt_live);
