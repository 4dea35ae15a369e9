/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright (c) 2026 The vsvm authors
 */
#ifndef __VSVM_PT_H__
#define __VSVM_PT_H__

#include <linux/bits.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/types.h>

/* Geometry of the device page table; see DOC: Device page table. */
#define VSVM_PT_VA_BITS		48
#define VSVM_PT_VA_END		BIT_ULL(VSVM_PT_VA_BITS)
#define VSVM_PT_LEVELS		4
#define VSVM_PT_ENTRY_BITS	9
#define VSVM_PT_ENTRIES		BIT(VSVM_PT_ENTRY_BITS)
#define VSVM_PT_PAGE_SHIFT	12
#define VSVM_PT_HUGE_ORDER	VSVM_PT_ENTRY_BITS

/* Bits of a page-table entry. */
#define VSVM_PTE_VALID		BIT_ULL(0)
#define VSVM_PTE_WRITE		BIT_ULL(1)
#define VSVM_PTE_ACCESSED	BIT_ULL(2)
#define VSVM_PTE_DIRTY		BIT_ULL(3)
#define VSVM_PTE_HUGE		BIT_ULL(4)
#define VSVM_PTE_TABLE_RO	BIT_ULL(5)
#define VSVM_PTE_TABLE_DIRTY	BIT_ULL(6)
#define VSVM_PTE_LOCAL		BIT_ULL(7)
#define VSVM_PTE_PFN_SHIFT	12
#define VSVM_PTE_PFN_MASK	GENMASK_ULL(51, VSVM_PTE_PFN_SHIFT)

/* Flags vsvm_pt_map() accepts. */
#define VSVM_PT_MAP_FLAGS	VSVM_PTE_WRITE

/*
 * Reserve pages vsvm_pt_reserve() adds on top of a map's worst case, so that
 * an invalidation can split the (at most two) 2 MiB leaves it cuts partly.
 */
#define VSVM_PT_RESERVE_SPLITS	2
/* Table pages a zap keeps in the reserve before it frees to the allocator. */
#define VSVM_PT_RESERVE_KEEP	8
/* Largest reserve one vsvm_pt_reserve() call builds (16 MiB of tables). */
#define VSVM_PT_RESERVE_MAX	4096

/**
 * struct vsvm_pt - a device page table and its reserve of table pages
 * @local: if set, says whether a frame is in the device's own memory; the
 *	leaves that map such a frame get %VSVM_PTE_LOCAL (DOC: Device memory).
 *	Called under the page-table lock; must not sleep.
 * @dirty: if set, called under the page-table lock for every leaf with
 *	DIRTY set that a zap or protect clears, with its frame and order
 *	(the device wrote the memory; the owner tells the CPU side). Must not
 *	sleep or allocate.
 * @root: the level-3 table; always present between init and fini
 * @nr_tables: table pages linked into the tree, root included
 * @reserve_lock: protects @reserve and @reserve_count; innermost lock, taken
 *	inside the caller's page-table lock and alone by vsvm_pt_reserve()
 * @reserve: zeroed-on-use pages for new tables, linked through page->lru
 * @reserve_count: number of pages on @reserve
 * @live: translations in the tree now, in 4 KiB units (a 2 MiB leaf counts
 *	512): what the device can reach without faulting, each page once
 *
 * Everything but the reserve is protected by the owner's page-table lock;
 * see DOC: Page-table locking and reserve.
 */
struct vsvm_pt {
	bool (*local)(unsigned long pfn);
	void (*dirty)(struct vsvm_pt *pt, unsigned long pfn, unsigned int order);
	u64 *root;
	unsigned long nr_tables;
	spinlock_t reserve_lock;	/* protects the reserve only */
	struct list_head reserve;
	unsigned int reserve_count;
	u64 live;
};

/**
 * struct vsvm_pt_entry - what a walk found for one virtual address
 * @pfn: frame of the 4 KiB page that contains the address
 * @order: size of the leaf that maps it: 0 (4 KiB) or VSVM_PT_HUGE_ORDER
 *	(2 MiB)
 * @writable: the leaf has VSVM_PTE_WRITE
 * @accessed: the leaf has VSVM_PTE_ACCESSED
 * @dirty: the leaf has VSVM_PTE_DIRTY
 * @local: the leaf has VSVM_PTE_LOCAL (the page is in device memory)
 */
struct vsvm_pt_entry {
	unsigned long pfn;
	unsigned int order;
	bool writable;
	bool accessed;
	bool dirty;
	bool local;
};

/**
 * struct vsvm_pt_stats - what one page-table operation did
 * @zapped: translations removed, in 4 KiB units (a 2 MiB leaf counts 512)
 * @downgraded: writable translations made read-only, in 4 KiB units
 * @split: 2 MiB leaves rewritten as a table of 4 KiB leaves
 * @huge_zapped_whole: 2 MiB leaves that had to be split but were zapped
 *	whole because the reserve was empty (their pages refault)
 * @tables_alloc: table pages taken from the reserve into the tree
 * @tables_freed: table pages removed from the tree
 * @walks: descents from the root to a leaf's table by vsvm_pt_map() and
 *	vsvm_pt_map_pages() (the latter walks once per level-0 table)
 * @mapped: 4 KiB leaves vsvm_pt_map_pages() wrote, new or changed
 * @unchanged: pages vsvm_pt_map_pages() found mapped as asked and left
 *	alone (their ACCESSED and DIRTY bits untouched)
 * @tables_protected: level-0 tables vsvm_pt_protect() made read-only as a
 *	whole, with one write of their level-1 entry (%VSVM_PTE_TABLE_RO)
 * @changed: leaves vsvm_pt_map() or vsvm_pt_map_pages() rewrote in a way a
 *	TLB may have cached (another frame, or WRITE taken away): while it
 *	grows, the caller must flush before it drops the page-table lock
 *
 * The operations add to the counters and never reset them, so a caller can
 * pass the same structure to several calls and then fold it into its own
 * (atomic) counters.
 */
struct vsvm_pt_stats {
	u64 zapped;
	u64 downgraded;
	u64 split;
	u64 huge_zapped_whole;
	u64 tables_alloc;
	u64 tables_freed;
	u64 walks;
	u64 tables_protected;
	u64 mapped;
	u64 unchanged;
	u64 changed;
};

/**
 * struct vsvm_pt_pages - pages to map, one entry each, in the caller's format
 * @entries: one entry per 4 KiB page, in address order
 * @pfn_mask: the bits of an entry that hold the frame number (unshifted)
 * @present: an entry with this bit set asks for its page to be mapped;
 *	others leave the translation of their address as it is
 * @write: an entry with this bit set asks for a writable translation
 * @skip: an entry with any of these bits set is left alone, @present or not
 *
 * The mirror passes hmm_range_fault()'s pfn array as it is
 * (HMM_PFN_VALID, HMM_PFN_WRITE, HMM_PFN_ERROR), the tests their own bits.
 */
struct vsvm_pt_pages {
	const unsigned long *entries;
	unsigned long pfn_mask;
	unsigned long present;
	unsigned long write;
	unsigned long skip;
};

int vsvm_pt_init(struct vsvm_pt *pt);
void vsvm_pt_fini(struct vsvm_pt *pt);

int vsvm_pt_reserve(struct vsvm_pt *pt, u64 start, u64 end, gfp_t gfp);
void vsvm_pt_reserve_trim(struct vsvm_pt *pt, unsigned int keep);
unsigned int vsvm_pt_reserve_count(struct vsvm_pt *pt);

int vsvm_pt_map(struct vsvm_pt *pt, u64 va, unsigned long pfn,
		unsigned int order, u64 flags, struct vsvm_pt_stats *st);
int vsvm_pt_map_pages(struct vsvm_pt *pt, u64 va, unsigned long count,
		      const struct vsvm_pt_pages *pages, struct vsvm_pt_stats *st);
int vsvm_pt_map_hmm(struct vsvm_pt *pt, u64 va, unsigned long count,
		    const unsigned long *hmm_pfns, struct vsvm_pt_stats *st);
u64 vsvm_pt_zap(struct vsvm_pt *pt, u64 start, u64 end,
		struct vsvm_pt_stats *st);
/**
 * enum vsvm_pt_zap_filter - which translations vsvm_pt_zap_filtered() removes
 * @VSVM_PT_ZAP_LOCAL: only those of pages in device memory (%VSVM_PTE_LOCAL)
 * @VSVM_PT_ZAP_SYSTEM: only those of pages in system memory
 */
enum vsvm_pt_zap_filter {
	VSVM_PT_ZAP_LOCAL = 1,
	VSVM_PT_ZAP_SYSTEM,
};

u64 vsvm_pt_zap_filtered(struct vsvm_pt *pt, u64 start, u64 end,
			 enum vsvm_pt_zap_filter filter, struct vsvm_pt_stats *st);
u64 vsvm_pt_protect(struct vsvm_pt *pt, u64 start, u64 end,
		    struct vsvm_pt_stats *st);

bool vsvm_pt_lookup(const struct vsvm_pt *pt, u64 va,
		    struct vsvm_pt_entry *out);
bool vsvm_pt_touch(struct vsvm_pt *pt, u64 va, bool write,
		   struct vsvm_pt_entry *out);
u64 vsvm_pt_clear_young(struct vsvm_pt *pt, u64 start, u64 end);
bool vsvm_pt_test_young(struct vsvm_pt *pt, u64 va);
u64 vsvm_pt_young_map(const struct vsvm_pt *pt, u64 start, u64 end, unsigned long *map);
bool vsvm_pt_next_leaf(const struct vsvm_pt *pt, u64 *va, u64 end,
		       struct vsvm_pt_entry *out);

u64 vsvm_pt_bytes(const struct vsvm_pt *pt);
u64 vsvm_pt_live(const struct vsvm_pt *pt);

#endif /* __VSVM_PT_H__ */
