// 5-point Laplacian on a w x h integer grid, edges clamped.
__kernel void stencil2d(__global const int* in, __global int* out, uint w, uint h)
{
    uint x = get_global_id(0), y = get_global_id(1);
    uint xl = x > 0 ? x - 1 : 0, xr = x + 1 < w ? x + 1 : w - 1;
    uint yu = y > 0 ? y - 1 : 0, yd = y + 1 < h ? y + 1 : h - 1;
    out[y * w + x] = 4 * in[y * w + x] - in[y * w + xl] - in[y * w + xr] - in[yu * w + x] - in[yd * w + x];
}
