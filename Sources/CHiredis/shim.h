#ifndef KLELITE_CHIREDIS_SHIM_H
#define KLELITE_CHIREDIS_SHIM_H
#include <hiredis/hiredis.h>
#endif
