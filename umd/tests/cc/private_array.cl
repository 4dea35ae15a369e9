// A private array indexed with values known only at run time: it lives in
// the lane's private stack (the hidden argument).
kernel void private_array(global const int* x, global int* out, int k)
{
    int table[8];
    size_t i = get_global_id(0);
    for (int j = 0; j < 8; j++)
        table[j] = x[j] * (j + (int)i);
    out[i] = table[(k + i) & 7] + table[x[i] & 7];
}
