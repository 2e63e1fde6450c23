/// `/sys/class/<name>`, a class holding links to devices of other classes and buses, named
/// after them (`class_add_link()`). Defined statically, as classes are.
#[repr(transparent)]
pub(crate) struct LinkClass(Opaque<bindings::class>);

// SAFETY: The class is used only through the driver core, which serialises it.
unsafe impl Sync for LinkClass {}

impl LinkClass {
    /// The class `name`, not yet registered.
    pub(crate) const fn new(name: &'static CStr) -> Self {
        let mut c: bindings::class = pin_init::zeroed();
        c.name = as_char_ptr_in_const_context(name);
        Self(Opaque::new(c))
    }

    /// Registers the class; the result unregisters it when dropped.
    pub(crate) fn register(&'static self) -> Result<ClassLinks> {
        // SAFETY: A static class with a name, registered once as the result lives.
        to_result(unsafe { bindings::class_register(self.0.get()) })?;
        // INVARIANT: Registered.
        Ok(ClassLinks(self))
    }
}

/// A registered [`LinkClass`].
///
/// # Invariants
///
/// `self.0` is registered.
pub(crate) struct ClassLinks(&'static LinkClass);

impl ClassLinks {
    /// Creates the link `<class>/<dev_name(dev)>`.
    pub(crate) fn create_link(&self, dev: &Device) -> Result {
        // SAFETY: The class is registered (type invariants) and `dev` is valid.
        to_result(unsafe { bindings::class_add_link(self.0 .0.get(), dev.as_raw()) })
    }

    /// Removes the link of `dev`, if any.
    pub(crate) fn remove_link(&self, dev: &Device) {
        // SAFETY: The class is registered (type invariants) and `dev` is valid.
        unsafe { bindings::class_remove_link(self.0 .0.get(), dev.as_raw()) }
    }
}

impl Drop for ClassLinks {
    fn drop(&mut self) {
        // SAFETY: Registered (type invariants).
        unsafe { bindings::class_unregister(self.0 .0.get()) }
    }
}
