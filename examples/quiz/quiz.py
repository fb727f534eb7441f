from wszero import *

questions = [
    {'question': 'How many legs does a spider have?', 'answer': '8'},
    {'question': 'What is the biggest planet?', 'answer': 'jupiter'},
    {'question': 'What is 7 times 6?', 'answer': '42'},
    {'question': 'Which animal says moo?', 'answer': 'cow'},
]
points = {'red': 0, 'blue': 0}
number = -1       # the question we are on: -1 before the first one
seconds_left = 0  # 0 means time is up


def show_scores():
    teams = []
    for team in ['red', 'blue']:
        teams.append({'team': team, 'points': points[team], 'players': len(members(team))})
    broadcast('scores', teams=teams)


@on('connect')
def connect(client):
    client.team = None
    client.answered = -1  # the last question this player answered
    show_scores()


@on('join')
def join(client, team: str):
    if team in points:
        client.remove_from_group(client.team)  # in case they change teams
        client.team = team
        client.add_to_group(team)
        client.send('team', team=team)
        show_scores()


@on('start')
def start(client):
    global number, seconds_left
    number = number + 1
    if number >= len(questions):
        seconds_left = 0
        broadcast('question', text='The quiz is over. Well done, everyone!')
        return
    seconds_left = 20
    broadcast('question', text='Question ' + str(number + 1) + ': ' + questions[number]['question'])
    broadcast('clock', seconds=seconds_left)
    broadcast('note', exclude=client, text='')  # client is the teacher, whose page shows no notes


@every(1)
def count_down():
    global seconds_left
    if seconds_left > 0:
        seconds_left = seconds_left - 1
        if seconds_left > 0:
            broadcast('clock', seconds=seconds_left)
        else:
            broadcast('timesup', answer=questions[number]['answer'])


@on('answer')
def answer(client, text: str):
    if seconds_left == 0:
        client.send('note', text="Time's up! Wait for the next question.")
    elif client.team is None:
        client.send('note', text='Pick a team first!')
    elif client.answered == number:
        client.send('note', text='You have answered this one already.')
    elif text.strip().lower() == questions[number]['answer']:
        client.answered = number
        points[client.team] = points[client.team] + 1
        client.send('note', text='Right! One point for ' + client.team + '.')
        show_scores()
    else:
        client.answered = number
        client.send('note', text='Not this time. Wait for the next question!')


@on('disconnect')
def disconnect(client):
    client.remove_from_group(client.team)
    show_scores()


run_server()
