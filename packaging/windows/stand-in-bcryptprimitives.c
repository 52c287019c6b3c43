/* TEST-ONLY stand-in for Windows' bcryptprimitives.dll, which wine 8 lacks.
 *
 * cryptography's Rust core calls bcryptprimitives!ProcessPrng (present on every Windows 10/11;
 * wine has it from 9.0). scripts/build-windows.sh compiles this with mingw and puts it into the
 * system32 folder of the *wine prefixes it tests in* only. It is never copied into the frozen
 * app, the installer or the MSI: on Windows the real DLL is used.
 */
#include <windows.h>

#define RtlGenRandom SystemFunction036
BOOLEAN WINAPI RtlGenRandom(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T size)
{
    while (size > 0) {
        ULONG chunk = size > 0x10000000 ? 0x10000000 : (ULONG)size;
        if (!RtlGenRandom(data, chunk))
            return FALSE;
        data += chunk;
        size -= chunk;
    }
    return TRUE;
}
