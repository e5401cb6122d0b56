/* version.h - the release number, printed by --version and in reports. */
#ifndef RELAYTEST_VERSION_H
#define RELAYTEST_VERSION_H

#define RELAYTEST_VERSION "1.0.0"

#endif
