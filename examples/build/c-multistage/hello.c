#include <stdio.h>

int main(void) {
  printf("hello from a static C binary built by berth\n");
  return 0;
}
