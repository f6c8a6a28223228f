//! A long-lived engine object behind a JavaScript handle (a trainer, a chain). One call at a time:
//! a call made while another runs is refused as `busy`, a call on a freed object as `disposed`.
//! The guard is written once here; every exported method goes through it.

use std::cell::{Ref, RefCell, RefMut};
use std::rc::Rc;

use crate::numerics::error::{InputError, Rule};

pub struct Handle<T> {
    /// "trainer" or "chain": the field the busy/disposed messages name
    name: &'static str,
    cell: Rc<RefCell<Option<T>>>,
}

impl<T> Clone for Handle<T> {
    fn clone(&self) -> Self {
        Self { name: self.name, cell: self.cell.clone() }
    }
}

impl<T> Handle<T> {
    pub fn new(name: &'static str, value: T) -> Self {
        Self { name, cell: Rc::new(RefCell::new(Some(value))) }
    }

    fn busy(&self) -> InputError {
        InputError::new(self.name, Rule::Busy, None)
    }

    fn disposed(&self) -> InputError {
        InputError::new(self.name, Rule::Disposed, None)
    }

    /// Read access (refused while a call holds the object mutably).
    pub fn get(&self) -> Result<Ref<'_, T>, InputError> {
        let r = self.cell.try_borrow().map_err(|_| self.busy())?;
        Ref::filter_map(r, |o| o.as_ref()).map_err(|_| self.disposed())
    }

    /// Exclusive access, for a whole (possibly asynchronous) call.
    pub fn get_mut(&self) -> Result<RefMut<'_, T>, InputError> {
        let r = self.cell.try_borrow_mut().map_err(|_| self.busy())?;
        RefMut::filter_map(r, |o| o.as_mut()).map_err(|_| self.disposed())
    }
}
