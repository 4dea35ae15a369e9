// out (h x w... transposed) = in (w columns, h rows) through a padded __local tile.
#define T 16
__kernel void transpose_local(__global const uint* in, __global uint* out, uint w, uint h)
{
    __local uint tile[T][T + 1];
    uint lx = get_local_id(0), ly = get_local_id(1);
    uint x = get_group_id(0) * T + lx, y = get_group_id(1) * T + ly;
    tile[ly][lx] = in[y * w + x];
    barrier(CLK_LOCAL_MEM_FENCE);
    uint ox = get_group_id(1) * T + lx, oy = get_group_id(0) * T + ly;
    out[oy * h + ox] = tile[lx][ly];
}
