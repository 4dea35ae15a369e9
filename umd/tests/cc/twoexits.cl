// A return inside a loop: the loop has two exits (the return and its end);
// the lanes that leave through each run their own code afterwards.
kernel void two_exits(global const int* x, global int* out, uint n)
{
    size_t i = get_global_id(0);
    int acc = 0;
    for (uint k = 0; k < n; k++) {
        if (x[k] == (int)i) {
            out[i] = acc;
            return;
        }
        acc += x[k];
    }
    out[i] = -acc - 1;
}
