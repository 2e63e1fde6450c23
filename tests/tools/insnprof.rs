// SPDX-License-Identifier: GPL-2.0
//! A QEMU TCG plugin for `make bench PROFILE=insn`: counts the guest instructions executed in
//! each translation block of kernel code, by the block's start address, and writes
//! "<address in hex> <instructions>" lines to the file of its `out=` argument when QEMU exits.
//! A block ends at every branch, so its start address names the function it is in. Built for
//! the host with `rustc --crate-type cdylib`; the `qemu_plugin_*` functions are QEMU's, found
//! when QEMU loads the plugin.

use std::{
    collections::HashMap,
    ffi::{c_char, c_int, c_void, CStr},
    fs::File,
    io::{BufWriter, Write},
    sync::{
        atomic::{AtomicU64, Ordering},
        Mutex,
    },
};

/// `qemu_plugin_id_t`.
type PluginId = u64;

/// `struct qemu_plugin_tb`, opaque.
#[repr(C)]
struct Tb {
    _opaque: [u8; 0],
}

extern "C" {
    fn qemu_plugin_register_vcpu_tb_trans_cb(id: PluginId, cb: extern "C" fn(PluginId, *mut Tb));
    fn qemu_plugin_register_vcpu_tb_exec_cb(
        tb: *mut Tb,
        cb: extern "C" fn(u32, *mut c_void),
        flags: c_int,
        udata: *mut c_void,
    );
    fn qemu_plugin_tb_n_insns(tb: *const Tb) -> usize;
    fn qemu_plugin_tb_vaddr(tb: *const Tb) -> u64;
    fn qemu_plugin_register_atexit_cb(
        id: PluginId,
        cb: extern "C" fn(PluginId, *mut c_void),
        udata: *mut c_void,
    );
}

/// The plugin API version this plugin is written against (QEMU 10.0's).
#[no_mangle]
pub static qemu_plugin_version: c_int = 4;

/// `QEMU_PLUGIN_CB_NO_REGS`.
const NO_REGS: c_int = 0;

/// Kernel addresses on x86-64 start here.
const KERNEL_BASE: u64 = 0xffff_8000_0000_0000;

/// One translation of a block: its instructions and how many of them ran.
struct Block {
    vaddr: u64,
    insns: u64,
    executed: AtomicU64,
}

struct State {
    out: String,
    /// Blocks by start address and length; boxed, so that the callbacks' pointers stay valid.
    blocks: HashMap<(u64, u64), Box<Block>>,
}

static STATE: Mutex<Option<State>> = Mutex::new(None);

extern "C" fn executed(_vcpu: u32, udata: *mut c_void) {
    // SAFETY: `udata` is a boxed `Block` of `STATE`, which is never removed.
    let b = unsafe { &*udata.cast::<Block>() };
    b.executed.fetch_add(b.insns, Ordering::Relaxed);
}

extern "C" fn translated(_id: PluginId, tb: *mut Tb) {
    // SAFETY: QEMU passes a block being translated.
    let (vaddr, insns) = unsafe { (qemu_plugin_tb_vaddr(tb), qemu_plugin_tb_n_insns(tb) as u64) };
    if vaddr < KERNEL_BASE {
        return;
    }
    let mut st = STATE.lock().unwrap_or_else(|e| e.into_inner());
    let Some(st) = st.as_mut() else { return };
    let b = st.blocks.entry((vaddr, insns)).or_insert_with(|| {
        Box::new(Block {
            vaddr,
            insns,
            executed: AtomicU64::new(0),
        })
    });
    let udata = (&**b as *const Block).cast_mut().cast::<c_void>();
    // SAFETY: `tb` is being translated; `udata` outlives the plugin (never removed).
    unsafe { qemu_plugin_register_vcpu_tb_exec_cb(tb, executed, NO_REGS, udata) };
}

extern "C" fn exited(_id: PluginId, _udata: *mut c_void) {
    let st = STATE.lock().unwrap_or_else(|e| e.into_inner());
    let Some(st) = st.as_ref() else { return };
    let mut sums: HashMap<u64, u64> = HashMap::new();
    for b in st.blocks.values() {
        *sums.entry(b.vaddr).or_default() += b.executed.load(Ordering::Relaxed);
    }
    let write = || -> std::io::Result<()> {
        let mut f = BufWriter::new(File::create(&st.out)?);
        for (va, n) in sums.iter().filter(|(_, n)| **n != 0) {
            writeln!(f, "{va:x} {n}")?;
        }
        f.flush()
    };
    if let Err(e) = write() {
        eprintln!("insnprof: {}: {e}", st.out);
    }
}

/// Called by QEMU when it loads the plugin; `argv` holds `out=<file>`.
///
/// # Safety
///
/// `argv` holds `argc` C strings.
#[no_mangle]
pub unsafe extern "C" fn qemu_plugin_install(
    id: PluginId,
    _info: *const c_void,
    argc: c_int,
    argv: *const *const c_char,
) -> c_int {
    let mut out = None;
    for i in 0..usize::try_from(argc).unwrap_or(0) {
        // SAFETY: Guaranteed by the caller.
        let arg = unsafe { CStr::from_ptr(*argv.add(i)) }.to_string_lossy();
        if let Some(o) = arg.strip_prefix("out=") {
            out = Some(o.to_owned());
        }
    }
    let Some(out) = out else {
        eprintln!("insnprof: no out=<file>");
        return -1;
    };
    *STATE.lock().unwrap_or_else(|e| e.into_inner()) = Some(State {
        out,
        blocks: HashMap::new(),
    });
    // SAFETY: Registered once, with callbacks of the C prototypes.
    unsafe {
        qemu_plugin_register_vcpu_tb_trans_cb(id, translated);
        qemu_plugin_register_atexit_cb(id, exited, std::ptr::null_mut());
    }
    0
}
