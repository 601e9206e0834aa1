"""Lab 11, images: tutorial §11 (cloud-publish-tarball → openstack image create)."""

from stacklab.grading import check, expect
from stacklab.grading.resources import memo, services


def _image(cloud, settings):
    image = cloud.image()
    expect(image, found=f"no image named {settings.image.name} (images: "
                        + (", ".join(i["name"] or i["id"] for i in cloud.items("images"))
                           or "none") + ")")
    return image


@check(points=3, title="the tutorial's image is active",
       hint="openstack image create --disk-format qcow2 --container-format bare --public "
            "--file <image file> {s.image.name} (the offline guest also has a kernel and a "
            "ramdisk, uploaded first)",
       needs=("05.image_api_answers",))
def test_image_is_active(cloud, settings):
    image = _image(cloud, settings)
    expect(image["status"] == "active", found=f"{image['name']} is {image['status']}")
    parts = [(role, cloud.by_id("images", image.get(f"{role}_id")))
             for role in ("kernel", "ramdisk") if image.get(f"{role}_id")]
    broken = [f"its {role} {image[role + '_id']} is "
              + (part["status"] if part else "missing") for role, part in parts
              if not part or part["status"] != "active"]
    expect(not broken, found="; ".join(broken))
    # the tutorial's user names the image in `server create --image`: one image of the
    # name, or the name is ambiguous ("More than one Image exists")
    project = cloud.project_id(settings.identity.project)
    seen = [i for i in cloud.named("images", settings.image.name)
            if i["visibility"] in ("public", "community") or i["owner"] == project]
    expect(len(seen) <= 1,
           found=f"{len(seen)} images are named {settings.image.name} ("
                 + ", ".join(f"{i['id']} {i['status']}" for i in seen)
                 + f"): `--image {settings.image.name}` is ambiguous",
           hint="keep one: openstack image delete <ID> of the other (not the one "
                f"{settings.instance.name} boots from), or stacklab solve --only 11")


@check(points=1, title="the project may use the image",
       hint="make it public (--public) or create it as {s.identity.user} in "
            "{s.identity.project}",
       needs=("11.image_is_active", "10.project_exists"))
def test_image_is_usable_by_the_project(cloud, settings):
    image = _image(cloud, settings)
    project = cloud.project_id(settings.identity.project)
    expect(image["visibility"] in ("public", "community") or image["owner"] == project,
           found=f"{image['name']} is {image['visibility']}, owned by another project")


@check(points=2, title="the image's data is in Glance's file store",
       hint="tutorial §5: Glance keeps images on the local file system "
            "(filesystem_store_datadir); re-upload the image if its file is missing",
       needs=("11.image_is_active", "05.glance_stores_images_in_files"))
def test_image_data_is_in_the_file_store(host, cloud, settings):
    image = _image(cloud, settings)
    store = services.glance_store(services.glance(host))
    expect(store.is_file, found=store.detail)
    path = store.datadir.rstrip("/") + "/" + image["id"]

    def size():
        with host.sudo():
            out = host.run("stat -c %%s -- %s", path)
        return int(out.stdout) if out.rc == 0 and out.stdout.strip().isdigit() else None
    on_disk = memo(host, f"size:{path}", size)
    expect(on_disk is not None, found=f"{path} does not exist")
    expect(image["size"] in (None, on_disk),
           found=f"{path} holds {on_disk} bytes, the image {image['size']}")
