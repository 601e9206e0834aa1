"""Lab 5, Glance, with Keystone and Placement first: tutorial §5 "Install Glance".

Keystone (identity) and Placement are new since 2012; every other service needs them.
"""

from urllib.parse import urlsplit

from stacklab.grading import check, expect
from stacklab.grading.resources import mysql, services


def _public(cloud, settings, service_type):
    return [e for e in cloud.endpoints(service_type)
            if e["interface"] == "public" and e["region"] == settings.openstack.region]


def _describe(endpoints):
    return ", ".join(f"{e['interface']} {e['url']} ({e['region']})" for e in endpoints) or "none"


def _endpoint_check(cloud, settings, service_type, port):
    found = cloud.endpoints(service_type)
    good = [e for e in _public(cloud, settings, service_type)
            if services.reaches_lab(e["url"], settings) and urlsplit(e["url"]).port == port]
    expect(good, found=f"{service_type} endpoints: {_describe(found)}")


@check(points=2, title="Keystone, Glance and Placement have their databases",
       hint="CREATE DATABASE keystone; (glance, placement) and grant each service its user")
def test_service_databases_exist(host, settings):
    mysql.expect_databases(host, settings, "keystone", "glance", "placement")


@check(points=3, title="the cloud admin logs in to Keystone",
       hint="keystone-manage bootstrap --bootstrap-password <openstack.admin_password> "
            "--bootstrap-public-url {s.keystone_url}/v3 "
            "--bootstrap-region-id {s.openstack.region}; Keystone runs under uwsgi (Debian) "
            "or apache (Ubuntu)",
       needs=("03.mariadb_listens_on_all_addresses", "04.host_name_resolves_to_the_lab_address"))
def test_admin_logs_in_to_keystone(cloud, settings):
    ok, error = cloud.login("admin")
    expect(ok, found=f"admin at {settings.keystone_address_url}: {error}")


@check(points=2, title="Keystone's public endpoint is the lab address, port 5000",
       hint="the identity endpoint comes from `keystone-manage bootstrap`; region and URL "
            "must match the settings (openstack endpoint list)",
       needs=("05.admin_logs_in_to_keystone",))
def test_identity_endpoint_is_registered(cloud, settings):
    _endpoint_check(cloud, settings, "identity", 5000)


@check(points=2, title="Placement is registered at the lab address, port 8778",
       hint="openstack service create --name placement placement; openstack endpoint create "
            "--region {s.openstack.region} placement public "
            "http://{s.network.public.address}:8778 (and internal, admin)",
       needs=("05.admin_logs_in_to_keystone",))
def test_placement_endpoint_is_registered(cloud, settings):
    _endpoint_check(cloud, settings, "placement", 8778)


@check(points=2, title="Glance is registered at the lab address, port 9292",
       hint="openstack service create --name glance image; openstack endpoint create "
            "--region {s.openstack.region} image public "
            "http://{s.network.public.address}:9292 (and internal, admin)",
       needs=("05.admin_logs_in_to_keystone",))
def test_glance_endpoint_is_registered(cloud, settings):
    _endpoint_check(cloud, settings, "image", 9292)


@check(points=2, title="the Image API answers",
       hint="glance-api must run (systemctl status glance-api) and its [keystone_authtoken] "
            "must point at Keystone",
       # the Image API is found through the catalog: without Glance's endpoint it cannot
       # be asked, which is the endpoint's fault, not the API's
       needs=("05.admin_logs_in_to_keystone", "05.glance_endpoint_is_registered"))
def test_image_api_answers(cloud):
    expect(cloud.error("images") is None, found=f"listing images: {cloud.error('images')}")


@check(points=2, title="Glance keeps images in a local file store",
       hint="tutorial §5: the local file system; in glance-api.conf [glance_store] (or a "
            "'file' backend in enabled_backends) with filesystem_store_datadir")
def test_glance_stores_images_in_files(host):
    conf = services.glance(host)
    expect(conf.present, found=f"{services.GLANCE_API} is missing")
    store = services.glance_store(conf)
    expect(store.is_file, found=store.detail)
