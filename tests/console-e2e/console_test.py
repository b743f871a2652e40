"""The admin console in headless Chromium, driven by Selenium (chromedriver), as a person uses it.

Run by the e2e test `console::` with:
  SG_URL            the gateway, e.g. http://127.0.0.1:PORT
  SG_ADMIN_TOKEN    the admin token
  SG_TARGETS        JSON: [{"flavor", "tenant", "user", "all": bool}] sessions to find by the
                    names people know and revoke (all: every session of the user at once)
  SG_GROUP_TENANT   the QuickSync tenant whose group has a member to kick
  SG_UNTOUCHED      JSON {"tenant", "user"}: a user whose sessions calls without the token try
                    to revoke (the test then checks they still work)
  SG_SHOTS          where screenshots go (test artifacts, not committed)
Prints one JSON line: what it revoked and kicked, how long each search-and-revoke took.
"""

import json
import os
import sys
import tempfile
import time

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

URL = os.environ["SG_URL"].rstrip("/")
TOKEN = os.environ["SG_ADMIN_TOKEN"]
TARGETS = json.loads(os.environ["SG_TARGETS"])
GROUP_TENANT = os.environ["SG_GROUP_TENANT"]
UNTOUCHED = json.loads(os.environ["SG_UNTOUCHED"])
SHOTS = os.environ["SG_SHOTS"]
TOKEN_KEY = "session-gateway.admin-token"
WRONG_TOKEN = "not-the-admin-token"
WAIT = 20


def browser(profile):
    o = Options()
    o.binary_location = os.environ.get("SG_CHROMIUM", "/usr/bin/chromium")
    for a in [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--window-size=1400,1000",
        f"--user-data-dir={profile}",
    ]:
        o.add_argument(a)
    o.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    service = Service(os.environ.get("SG_CHROMEDRIVER", "/usr/bin/chromedriver"))
    return webdriver.Chrome(service=service, options=o)


class Console:
    def __init__(self, d):
        self.d = d
        # A view re-renders as a whole: an element read while it does is retried.
        self.wait = WebDriverWait(d, WAIT, ignored_exceptions=[StaleElementReferenceException])
        self.shots = []

    def shot(self, name):
        path = os.path.join(SHOTS, f"{name}.png")
        self.d.save_screenshot(path)
        self.shots.append(path)

    def find(self, css):
        return self.d.find_element(By.CSS_SELECTOR, css)

    def all(self, css):
        return self.d.find_elements(By.CSS_SELECTOR, css)

    def page(self, name):
        """Waits until the view shows page `name` and has finished loading."""
        self.wait.until(
            lambda d: d.execute_script(
                "const v = document.getElementById('view');"
                "return !v.hidden && v.dataset.page === arguments[0] && !v.hasAttribute('aria-busy');",
                name,
            )
        )

    def reloaded(self, before):
        """Waits until the view was rendered again after `before` (an element of the old view)."""
        self.wait.until(EC.staleness_of(before))

    def toast(self, text):
        self.wait.until(EC.text_to_be_present_in_element((By.ID, "toast"), text))

    def confirm(self, expected):
        self.wait.until(lambda d: d.find_element(By.ID, "confirm").get_attribute("open") is not None)
        text = self.find("#confirm-text").text
        assert expected in text, text
        self.find("#confirm-ok").click()

    def storage(self):
        return self.d.execute_script(
            "return [sessionStorage.getItem(arguments[0]), document.cookie, localStorage.length];",
            TOKEN_KEY,
        )

    # -----------------------------------------------------------------------------------------

    def refuses_a_wrong_token(self):
        self.d.get(f"{URL}/admin/")
        self.wait.until(EC.visibility_of_element_located((By.ID, "token")))
        box = self.find("#token")
        box.send_keys(WRONG_TOKEN)
        box.send_keys(Keys.ENTER)
        self.wait.until(EC.text_to_be_present_in_element((By.ID, "signin-error"), "not the admin token"))
        assert not self.find("#view").is_displayed()
        assert not self.all("table.sessions tr")
        assert self.storage() == [None, "", 0], self.storage()
        self.shot("signin-refused")

    def refuses_calls_without_the_token(self):
        """From the console's own origin, without the admin token or with a wrong one, nothing
        is listed and nothing changes: every call is a 401."""
        query = "?" + "&".join(f"{k}={v}" for k, v in [
            ("tenant", UNTOUCHED["tenant"]), ("subject", UNTOUCHED["user"])])
        statuses = self.d.execute_async_script(
            """
            const [query, wrong, done] = arguments;
            const calls = [
              ['GET', '/admin/v1/sessions', {}],
              ['GET', '/admin/v1/overview', {}],
              ['GET', '/admin/v1/tenants/session-storage-clients', {}],
              ['DELETE', '/admin/v1/sessions' + encodeURI(query), {}],
              ['DELETE', '/admin/v1/sessions' + encodeURI(query), {authorization: 'Bearer ' + wrong}],
              ['PUT', '/admin/v1/tenants/session-storage-clients',
               {'content-type': 'application/json', authorization: 'Bearer ' + wrong}],
            ];
            Promise.all(calls.map(([method, path, headers]) => fetch(path, {
              method, headers,
              body: method === 'PUT'
                ? JSON.stringify({client_id: 'intruder', client_secret: 'intruder-secret-1'})
                : undefined,
            }).then(r => r.status))).then(done, e => done(String(e)));
            """,
            query,
            WRONG_TOKEN,
        )
        assert statuses == [401] * 6, statuses

    def signs_in(self):
        box = self.find("#token")
        box.clear()
        box.send_keys(TOKEN)
        box.send_keys(Keys.ENTER)
        self.page("overview")
        assert "healthy" in self.find("#store-card").text
        token, cookie, local = self.storage()
        assert token == TOKEN and cookie == "" and local == 0, (token, cookie, local)
        self.shot("overview")

    def lists_every_flavor(self):
        """The sessions page without filters holds sessions of all four flavors."""
        self.find("#nav-sessions").click()
        self.page("sessions")
        flavors = {r.get_attribute("data-flavor") for r in self.all("table.sessions tbody tr")}
        assert flavors == {"quickblox", "amity", "quicksync", "session-storage"}, flavors
        self.d.set_window_size(1400, 1400)
        self.shot("sessions-all")
        self.d.set_window_size(1400, 1000)

    def search(self, flavor, tenant, user):
        self.find("#nav-sessions").click()
        self.page("sessions")
        # "/" jumps to the user box.
        self.find("body").send_keys("/")
        active = self.d.switch_to.active_element
        assert active.get_attribute("id") == "f-subject", active.get_attribute("id")
        active.send_keys(user)
        Select(self.find("#f-flavor")).select_by_value(flavor)
        self.find("#f-tenant").send_keys(tenant)
        form = self.find("#filters")
        active.send_keys(Keys.ENTER)
        self.reloaded(form)
        self.page("sessions")

    def rows(self, flavor, kind):
        return [
            r
            for r in self.all("table.sessions tbody tr")
            if r.get_attribute("data-flavor") == flavor and r.get_attribute("data-kind") == kind
        ]

    def revokes(self, target, first):
        started = time.monotonic()
        self.search(target["flavor"], target["tenant"], target["user"])
        kind = "member" if target["flavor"] == "quicksync" else "session"
        rows = self.rows(target["flavor"], kind)
        expected = 2 if target.get("all") else 1
        assert len(rows) == expected, f"{target}: {len(rows)} rows"
        row = rows[0]
        handle = row.get_attribute("data-handle")
        cells = row.text
        assert target["user"].lower() in cells.lower() or target["flavor"] == "session-storage", cells
        assert "127.0.0.1" in cells, cells
        if first:
            self.shot("sessions")
        if target.get("all"):
            row.find_element(By.CSS_SELECTOR, ".revoke-all").click()
            self.confirm("Revoke every")
            self.toast("Revoked 2 sessions.")
        else:
            row.find_element(By.CSS_SELECTOR, ".revoke").click()
            self.confirm("Revoke this session")
            self.toast("Revoked 1 session.")
        self.reloaded(row)
        self.page("sessions")
        assert not self.rows(target["flavor"], kind), "the revoked session is gone"
        return handle, time.monotonic() - started

    def kicks_a_member(self):
        self.d.get(f"{URL}/admin/#/sessions?flavor=quicksync&tenant={GROUP_TENANT}")
        self.page("sessions")
        groups = [g for g in self.rows("quicksync", "group") if g.find_elements(By.CSS_SELECTOR, "a.members")]
        group = next(g for g in groups if "(2/" in g.text)
        group.find_element(By.CSS_SELECTOR, "a.members").click()
        self.page("group")
        assert self.find("#capacity").text == "2 of 5", self.find("#capacity").text
        self.shot("group")
        client = next(r for r in self.all("table.members tbody tr") if r.get_attribute("data-role") == "Client")
        kicked = client.get_attribute("data-handle")
        client.find_element(By.CSS_SELECTOR, ".kick").click()
        self.confirm("Kick")
        self.toast("Kicked.")
        self.wait.until(EC.text_to_be_present_in_element((By.ID, "capacity"), "1 of 5"))
        return kicked

    def manages_a_tenant(self):
        self.find("#nav-tenants").click()
        self.page("tenants")
        self.find('a[data-kind="session-storage-clients"]').click()
        self.wait.until(lambda d: "session-storage-clients" in d.current_url)
        self.page("tenants")
        self.shot("tenants")
        assert self.all('tr[data-source="config"]'), "configured clients are listed"
        editor = self.find("#tenant-doc")
        editor.clear()
        editor.send_keys('{"client_id": "console-client", "client_secret": ""}')
        self.find("#tenant-save").click()
        self.wait.until(EC.text_to_be_present_in_element((By.ID, "tenant-error"), "client_secret"))
        editor.clear()
        editor.send_keys('{"client_id": "console-client", "client_secret": "console-secret-1", "max_sessions_per_user": 2}')
        self.find("#tenant-save").click()
        self.toast("Saved.")
        self.wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, 'tr[data-id="console-client"]'))
        row = self.find('tr[data-id="console-client"]')
        assert "console-secret-1" not in row.text and "********" in row.text, row.text
        row.find_element(By.CSS_SELECTOR, ".edit").click()
        doc = json.loads(self.find("#tenant-doc").get_attribute("value"))
        assert doc["client_secret"] == "********", doc
        doc["max_sessions_per_user"] = 3
        editor = self.find("#tenant-doc")
        editor.clear()
        editor.send_keys(json.dumps(doc))
        self.find("#tenant-save").click()
        self.wait.until(
            lambda d: '"max_sessions_per_user": 3' in d.find_element(By.CSS_SELECTOR, 'tr[data-id="console-client"]').text
        )
        self.find('tr[data-id="console-client"] .remove').click()
        self.confirm("Remove")
        self.toast("Removed.")
        self.wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, 'tr[data-id="console-client"]'))

    def fits_a_phone(self):
        self.d.set_window_size(390, 844)
        self.d.get(f"{URL}/admin/#/sessions")
        self.page("sessions")
        width = self.d.execute_script("return [document.documentElement.scrollWidth, window.innerWidth];")
        assert width[0] <= width[1] + 1, f"no sideways scrolling on a phone: {width}"
        self.shot("sessions-phone")
        self.d.set_window_size(1400, 1000)

    def signs_out(self):
        self.find("#signout").click()
        self.wait.until(EC.visibility_of_element_located((By.ID, "token")))
        assert self.storage() == [None, "", 0], self.storage()
        assert self.find("#view").text == ""

    def requests_were_same_origin_with_the_bearer(self):
        """Every request went to the gateway; every API call carried the bearer, no cookie."""
        api_calls = 0
        for entry in self.d.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message["method"] != "Network.requestWillBeSent":
                continue
            request = message["params"]["request"]
            url = request["url"]
            if not url.startswith(("http:", "https:", "ws:", "wss:")):
                continue  # the browser's own pages (chrome://, data:)
            assert url.startswith(URL + "/"), f"a request elsewhere: {url}"
            if "/admin/v1/" in url:
                api_calls += 1
                headers = {k.lower(): v for k, v in request["headers"].items()}
                typed = {f"Bearer {TOKEN}", f"Bearer {WRONG_TOKEN}"}
                assert headers.get("authorization") in typed, url
                assert "cookie" not in headers, url
        assert api_calls > 5, api_calls

    def had_no_policy_violation(self):
        for entry in self.d.get_log("browser"):
            text = entry["message"]
            assert "Content Security Policy" not in text and "Refused to" not in text, text


def main():
    os.makedirs(SHOTS, exist_ok=True)
    profile = tempfile.mkdtemp(prefix="sg-console-chromium-")
    d = browser(profile)
    report = {}
    try:
        c = Console(d)
        c.refuses_a_wrong_token()
        c.signs_in()
        c.lists_every_flavor()
        revoked, timings = [], {}
        for i, t in enumerate(TARGETS):
            handle, seconds = c.revokes(t, i == 0)
            revoked.append(handle)
            timings[f"{t['flavor']}:{t['user']}"] = round(seconds, 2)
            assert seconds < 60, f"finding and revoking took {seconds:.1f} s"
        report["revoked"] = revoked
        report["timings"] = timings
        report["kicked"] = c.kicks_a_member()
        c.manages_a_tenant()
        c.fits_a_phone()
        c.requests_were_same_origin_with_the_bearer()
        c.had_no_policy_violation()
        # After the check above, which reads (and empties) the request log.
        c.refuses_calls_without_the_token()
        c.signs_out()
        report["screenshots"] = c.shots
    except Exception:
        try:
            d.save_screenshot(os.path.join(SHOTS, "failure.png"))
            print(d.find_element(By.TAG_NAME, "body").text, file=sys.stderr)
        except Exception:
            pass
        raise
    finally:
        d.quit()
    print(json.dumps(report))


if __name__ == "__main__":
    main()
