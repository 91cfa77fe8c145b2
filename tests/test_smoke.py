def test_login_page_is_polish(browser):
    response = browser.get("/login")
    assert response.status_code == 200
    assert "Logowanie" in response.get_data(as_text=True)


def test_world_builds(world, login):
    b = login("town-a@example.pl")
    page = b.get("/town/")
    assert page.status_code == 200
    assert "Ostrzeszów" in page.get_data(as_text=True)
