/* main.c -- placeholder until the command line lands. */
#include <stdio.h>
int main(void) { puts("cbn-batch " CBN_VERSION); return 0; }
