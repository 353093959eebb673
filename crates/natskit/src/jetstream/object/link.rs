//! Links (ADR-20): an object whose meta points at another object, in this bucket or another,
//! or at a whole bucket. A link has no chunks of its own; reading it reads its target.

use crate::jetstream::object::error::ObjectStoreError;
use crate::jetstream::object::info::{ObjectInfo, ObjectLink, ObjectMetaOptions};
use crate::jetstream::object::manage::now;
use crate::jetstream::object::name::validate_object_name;
use crate::jetstream::object::ObjectStore;

impl ObjectStore {
    /// Adds `name`, a link to the object `target` (read with [`info`](ObjectStore::info) from
    /// this or another bucket). Reading `name` then reads the target.
    ///
    /// Refused: a deleted target ([`ObjectStoreError::LinkToDeleted`]), a target that is a
    /// link itself ([`ObjectStoreError::LinkToLink`]), and a `name` that an object (not a
    /// link, not deleted) already has ([`ObjectStoreError::AlreadyExists`]); a link of that
    /// name is replaced.
    ///
    /// ```no_run
    /// # async fn demo(store: natskit::jetstream::object::ObjectStore) -> Result<(), natskit::jetstream::object::ObjectStoreError> {
    /// let target = store.info("releases/v1.2.3.tar.gz").await?;
    /// store.add_link("releases/latest.tar.gz", &target).await?;
    /// let data = store.get_bytes("releases/latest.tar.gz").await?; // v1.2.3's data
    /// # let _ = data;
    /// # Ok(()) }
    /// ```
    pub async fn add_link(
        &self,
        name: &str,
        target: &ObjectInfo,
    ) -> Result<ObjectInfo, ObjectStoreError> {
        validate_object_name(name)?;
        validate_object_name(&target.name)?;
        if target.deleted {
            return Err(ObjectStoreError::LinkToDeleted {
                bucket: target.bucket.clone(),
                name: target.name.clone(),
            });
        }
        if target.is_link() {
            return Err(ObjectStoreError::LinkToLink {
                bucket: target.bucket.clone(),
                name: target.name.clone(),
            });
        }
        let link = ObjectLink {
            bucket: target.bucket.clone(),
            name: target.name.clone(),
        };
        self.store_link(name, link).await
    }

    /// Adds `name`, a link to the whole bucket `bucket`, like a directory entry. It cannot
    /// be read as data ([`ObjectStoreError::LinkIsBucket`]); its info says where it points.
    /// A `name` that an object (not a link, not deleted) already has is
    /// [`ObjectStoreError::AlreadyExists`].
    ///
    /// ```no_run
    /// # async fn demo(js: natskit::jetstream::Context) -> Result<(), natskit::jetstream::object::ObjectStoreError> {
    /// let index = js.object_store("index").await?;
    /// let photos = js.object_store("photos").await?;
    /// let info = index.add_bucket_link("photos", &photos).await?;
    /// assert!(info.options.link.is_some_and(|l| l.is_bucket()));
    /// # Ok(()) }
    /// ```
    pub async fn add_bucket_link(
        &self,
        name: &str,
        bucket: &ObjectStore,
    ) -> Result<ObjectInfo, ObjectStoreError> {
        validate_object_name(name)?;
        let link = ObjectLink {
            bucket: bucket.bucket.clone(),
            name: String::new(),
        };
        self.store_link(name, link).await
    }

    /// Stores the meta of link `name`, unless a live object has that name.
    async fn store_link(
        &self,
        name: &str,
        link: ObjectLink,
    ) -> Result<ObjectInfo, ObjectStoreError> {
        if let Some(existing) = self.read_meta(name).await? {
            if !existing.deleted && !existing.is_link() {
                return Err(ObjectStoreError::AlreadyExists {
                    bucket: self.bucket.clone(),
                    name: name.to_owned(),
                });
            }
        }
        let mut info = ObjectInfo {
            name: name.to_owned(),
            bucket: self.bucket.clone(),
            // Its own, as other clients expect every meta to have one; no chunks use it.
            nuid: natskit_proto::nuid::next(),
            options: ObjectMetaOptions {
                link: Some(link),
                max_chunk_size: 0,
            },
            ..ObjectInfo::default()
        };
        self.publish_meta(&info).await?;
        info.mtime = now();
        Ok(info)
    }
}
