// A switch on a per-lane value, with a fall-through and a default.
kernel void uses_switch(global int* x, uint n)
{
    size_t i = get_global_id(0);
    if (i >= n)
        return;
    int v = x[i];
    int r = 0;
    switch (v % 6) {
    case 0:
        r = 5;
        break;
    case 1:
    case 4:
        r = 7;
        break;
    case 2:
        r = 100;
        // fall through
    case 3:
        r += 11;
        break;
    default:
        r = -v;
        break;
    }
    x[i] = r;
}
