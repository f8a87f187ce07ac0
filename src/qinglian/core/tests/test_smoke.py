def test_home_answers_for_the_secretary(cast, login):
    client = login(cast.secretary)
    response = client.get("/")
    assert response.status_code == 200
    assert "第一党支部" in response.content.decode()
