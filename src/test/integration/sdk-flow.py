"""The Docker SDK for Python against a daemon: the calls a typical user makes,
each checked. Usage: sdk-flow.py unix:///path/to.sock IMAGE"""
import sys
import docker

url, image = sys.argv[1], sys.argv[2]
c = docker.DockerClient(base_url=url, version='auto')
assert c.ping() is True

out = c.containers.run(image, ['sh', '-c', 'echo hi; echo err >&2'], network_mode='none', remove=True, stderr=True)
assert out.decode().splitlines() == ['hi', 'err'], out

ct = c.containers.run(image, ['sleep', '100'], detach=True, network_mode='none', name='sdk1',
                      labels={'flow': 'sdk'}, environment={'X': '1'})
ct.reload()
assert ct.status == 'running', ct.status
code, text = ct.exec_run(['sh', '-c', 'echo $X; exit 3'])
assert (code, text.decode()) == (3, '1\n'), (code, text)
assert b''.join(ct.exec_run(['echo', 'streamed'], stream=True).output) == b'streamed\n'
assert 'PID' in ct.top()['Titles']
assert [x.name for x in c.containers.list(filters={'label': 'flow=sdk'})] == ['sdk1']
assert 'memory_stats' in ct.stats(stream=False)
stream, stat = ct.get_archive('/etc/hostname')
assert stat['name'] == 'hostname' and len(b''.join(stream)) >= 512
ct.rename('sdk2')
ct.reload()
assert ct.name == 'sdk2'
ct.pause()
ct.reload()
assert ct.status == 'paused'
ct.unpause()
ct.update(mem_limit='64m', memswap_limit='128m')
ct.reload()
assert ct.attrs['HostConfig']['Memory'] == 64 * 1024 * 1024
ct.stop(timeout=1)
assert ct.wait() == {'StatusCode': 137} or ct.wait()['StatusCode'] == 137
ct.reload()
assert ct.status == 'exited' and ct.attrs['State']['ExitCode'] == 137
img = ct.commit('sdkimg', 'v1')
assert 'sdkimg:v1' in img.tags
ct.remove()
assert 'sdkimg:v1' in c.images.get('sdkimg:v1').tags
c.images.remove('sdkimg:v1')
vol = c.volumes.create('sdkvol')
assert vol.attrs['Driver'] == 'local'
vol.remove()
assert set(c.df()) >= {'Images', 'Containers', 'Volumes'}
try:
    c.containers.get('nosuch')
    raise AssertionError('no NotFound')
except docker.errors.NotFound:
    pass
print('sdk flow ok')
